/**
 * Everything the frontend service reads from its environment, parsed once at start.
 * A bad value stops the process with a message naming the variable.
 */

import {
  type AlbTokenSettings,
  ConfigError,
  parseAlbTokenSettings,
  parseTracingConfig,
  type TracingConfig,
} from '@ragchat/backend/service-kit';

export interface FrontendConfig {
  /** 0 asks the OS for any free port. */
  readonly port: number;
  readonly host: string;
  /** Origin (and optional path prefix) the `/api/*` proxy forwards to. */
  readonly backendUrl: URL;
  /** '' or a prefix like `/pr-42`; the page, its assets and the proxy all live under it. */
  readonly basePath: string;
  /** Longest wait for the backend's response headers, and longest silence inside a streamed body. */
  readonly proxyTimeoutMs: number;
  readonly signIn: SignInConfig;
  /** Strict-Transport-Security max-age for HTTPS responses; 0 sends no HSTS header. */
  readonly hstsMaxAgeSeconds: number;
  /**
   * Behind the load balancer (TRUST_PROXY): believe its X-Forwarded-Proto (HTTPS → HSTS) and pass
   * its X-Forwarded-For on to the backend, whose usage limits count per client address.
   */
  readonly trustProxy: boolean;
  readonly tracing: TracingConfig;
  /**
   * Largest request body the proxy forwards. The default fits one file of the backend's default
   * MAX_UPLOAD_FILE_BYTES (20 MiB) plus multipart framing; raise both together.
   */
  readonly maxRequestBodyBytes: number;
}

/**
 * `off`: nobody signs in (the page says so). `alb`: every request but /health must carry a valid
 * ALB-signed `x-amzn-oidc-data` token. `local`: for testing sign-in on one machine — this server
 * plays the load balancer with a key pair it generates at start (see local-sign-in.ts).
 */
export type SignInConfig =
  | { readonly mode: 'off' }
  | (AlbTokenSettings & { readonly mode: 'alb' })
  | { readonly mode: 'local' };

const DEFAULT_PORT = 3000;
const DEFAULT_HOST = '0.0.0.0';
const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8000';
const DEFAULT_PROXY_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_REQUEST_BODY_BYTES = 21 * 1_048_576;
const BASE_PATH_PATTERN = /^(\/[A-Za-z0-9._~-]+)+$/;

export function parseConfig(env: Readonly<Record<string, string | undefined>>): FrontendConfig {
  return {
    port: parseInteger(env, 'FRONTEND_PORT', DEFAULT_PORT, 0, 65_535),
    host: nonEmpty(env.FRONTEND_HOST) ?? DEFAULT_HOST,
    backendUrl: parseBackendUrl(nonEmpty(env.BACKEND_URL) ?? DEFAULT_BACKEND_URL),
    basePath: parseBasePath(env.BASE_PATH ?? ''),
    proxyTimeoutMs: parseInteger(env, 'PROXY_TIMEOUT_MS', DEFAULT_PROXY_TIMEOUT_MS, 1, 600_000),
    signIn: parseSignIn(env),
    hstsMaxAgeSeconds: parseInteger(env, 'HSTS_MAX_AGE', DEFAULT_HSTS_MAX_AGE_SECONDS, 0, 63_072_000),
    trustProxy: parseBoolean(env, 'TRUST_PROXY', false),
    tracing: parseTracingConfig(env),
    maxRequestBodyBytes: parseInteger(
      env,
      'MAX_REQUEST_BODY_BYTES',
      DEFAULT_MAX_REQUEST_BODY_BYTES,
      1024,
      1024 * 1_048_576,
    ),
  };
}

/** One year: what HSTS preload lists ask for. */
const DEFAULT_HSTS_MAX_AGE_SECONDS = 31_536_000;

function parseSignIn(env: Readonly<Record<string, string | undefined>>): SignInConfig {
  const mode = nonEmpty(env.SIGNIN_MODE) ?? 'off';
  if (mode === 'off' || mode === 'local') return { mode };
  if (mode !== 'alb') throw new ConfigError('SIGNIN_MODE', `must be off, alb or local, got "${mode}"`);
  return { mode, ...parseAlbTokenSettings(env) };
}

function parseBoolean(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  fallback: boolean,
): boolean {
  const raw = nonEmpty(env[variable])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(variable, `must be true or false, got "${raw}"`);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function parseInteger(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = nonEmpty(env[variable]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(variable, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(variable, `must be a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function parseBackendUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('BACKEND_URL', `is not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('BACKEND_URL', `must be an http or https URL, got "${raw}"`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('BACKEND_URL', 'must not carry credentials, a query string or a fragment');
  }
  return url;
}

function parseBasePath(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!BASE_PATH_PATTERN.test(trimmed)) {
    throw new ConfigError(
      'BASE_PATH',
      `must be "" or a path like /pr-42 (letters, digits, . _ ~ - between slashes), got "${raw}"`,
    );
  }
  return trimmed;
}
