/**
 * Everything the frontend service reads from its environment, parsed once at start.
 * A bad value stops the process with a message naming the variable.
 */

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
  /**
   * Largest request body the proxy forwards. The default fits one file of the backend's default
   * MAX_UPLOAD_FILE_BYTES (20 MiB) plus multipart framing; raise both together.
   */
  readonly maxRequestBodyBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

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
    maxRequestBodyBytes: parseInteger(
      env,
      'MAX_REQUEST_BODY_BYTES',
      DEFAULT_MAX_REQUEST_BODY_BYTES,
      1024,
      1024 * 1_048_576,
    ),
  };
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
  if (!/^\d+$/.test(raw)) throw new ConfigError(variable, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(variable, `expected a number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function parseBackendUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('BACKEND_URL', `not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('BACKEND_URL', `expected an http or https URL, got "${raw}"`);
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
      `expected "" or a path like /pr-42 (letters, digits, . _ ~ - between slashes), got "${raw}"`,
    );
  }
  return trimmed;
}
