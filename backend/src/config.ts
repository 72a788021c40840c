import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { DatabaseOptions } from './db/database';
import { DEFAULT_EMBEDDING_MODEL_ID, DEFAULT_GENERATION_MODEL_ID } from './providers/bedrock/options';
import { MAX_TOP_K, MIN_TOP_K } from './retrieval/retrieve';
import { type AlbTokenSettings, parseAlbTokenSettings } from './service-kit/alb-token';
import { ConfigError } from './service-kit/config-error';
import { LOG_LEVELS, type LogLevel } from './service-kit/logger';
import { parseTracingConfig, type TracingConfig } from './service-kit/tracing-config';

/**
 * The service's whole configuration, parsed once from the environment at start. Every value is
 * validated here; a bad one raises ConfigError naming the variable, and main stops the process.
 */
export interface Config {
  readonly server: {
    readonly host: string;
    /** 0 asks the OS for any free port. */
    readonly port: number;
    /** Longest a request may take end to end (retrieval + generation) before it is cut off. */
    readonly requestTimeoutMs: number;
    /** Budget for one document upload: every chunk is embedded before anything is written. */
    readonly ingestTimeoutMs: number;
    /** How long shutdown waits for in-flight requests before closing them. */
    readonly shutdownTimeoutMs: number;
  };
  /** Which deployment this is (`staging`, `pr-12`, …): the `Environment` dimension of metrics. */
  readonly environment: string;
  readonly database: DatabaseOptions;
  readonly provider: ProviderConfig;
  readonly adminToken: { readonly value: string; readonly generated: boolean };
  /** Exact origins allowed by CORS; empty means CORS is off. */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
  readonly seedSampleCorpus: boolean;
  readonly tracing: TracingConfig;
  readonly limits: Limits;
  readonly retrieval: { readonly defaultTopK: number; readonly minScore: number };
  readonly conversations: {
    /** Conversations untouched this many days are deleted; 0 keeps them forever. */
    readonly retentionDays: number;
  };
  readonly signIn: SignInConfig;
  readonly usageLimits: UsageLimits;
  /**
   * True behind the load balancer (TRUST_PROXY): the client address is the last X-Forwarded-For
   * entry, the one the ALB appended. False reads the socket peer, so nobody can claim an address.
   */
  readonly trustProxy: boolean;
}

/**
 * Who may call the API. `off`: nobody signs in (local mode, or a deployment not yet behind
 * sign-in). `alb`: every request but the health checks must carry a valid ALB-signed
 * `x-amzn-oidc-data` token.
 */
export type SignInConfig =
  | {
      readonly mode: 'off';
      /**
       * Local mode (PROVIDER=local, NODE_ENV not production): the one person at this machine
       * manages documents. A deployment with sign-in off answers as an anonymous non-admin.
       */
      readonly localMode: boolean;
    }
  | (AlbTokenSettings & {
      readonly mode: 'alb';
      /** Claim carrying the user's groups: an array or a comma/space-separated string. */
      readonly groupsClaim: string;
      /** Members of this group may manage documents. */
      readonly adminGroup: string;
    });

/** Per user (per client address when sign-in is off) and per UTC day; 0 turns a limit off. */
export interface UsageLimits {
  readonly queriesPerDay: number;
  readonly generatedTokensPerDay: number;
}

export type ProviderConfig =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'bedrock';
      readonly region: string;
      readonly embeddingModelId: string;
      readonly generationModelId: string;
      /** Overrides the regional endpoint (tests point it at a local fake). */
      readonly endpoint: string | undefined;
      readonly maxAttempts: number;
      readonly maxTokens: number;
      readonly temperature: number;
      readonly topP: number | undefined;
      readonly guardrail: GuardrailConfig | undefined;
    };

export interface GuardrailConfig {
  readonly identifier: string;
  readonly version: string;
  readonly streamProcessingMode: 'sync' | 'async' | undefined;
}

export interface Limits {
  readonly maxBodyBytes: number;
  readonly maxQueryChars: number;
  readonly maxDocumentChars: number;
  /** How many of the most recent chat turns reach the prompt. */
  readonly historyTurns: number;
  /** Estimated tokens of history the prompt may carry, newest turns first. */
  readonly historyTokens: number;
  /** Embedding calls in flight for all document uploads together (Bedrock throttles beyond). */
  readonly uploadEmbeddingConcurrency: number;
  /** Largest file in a multipart upload, in bytes; a larger one is refused and not buffered. */
  readonly maxUploadFileBytes: number;
  /** Most files in one multipart upload. */
  readonly maxUploadFiles: number;
}

/** The API's hard bounds on topK; TOP_K (the default) must sit inside them. */
export const TOP_K_RANGE = { min: MIN_TOP_K, max: MAX_TOP_K } as const;

type Env = Readonly<Record<string, string | undefined>>;

/** `.data` at the repository root, whether this file runs from backend/src or backend/dist. */
const DEFAULT_DATA_DIR = resolve(__dirname, '..', '..', '.data');
const MIN_ADMIN_TOKEN_LENGTH = 16;

export function loadConfig(env: Env): Config {
  const read = reader(env);
  const provider = parseProvider(read);
  const production = provider.kind === 'bedrock' || read.raw('NODE_ENV') === 'production';
  return {
    server: {
      host: read.string('BACKEND_HOST', '0.0.0.0'),
      port: read.integer('BACKEND_PORT', 8000, { min: 0, max: 65535 }),
      requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
      ingestTimeoutMs: read.integer('INGEST_TIMEOUT_MS', 300_000, { min: 100, max: 3_600_000 }),
      shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 120_000 }),
    },
    environment: parseEnvironment(read),
    database: parseDatabase(read),
    provider,
    adminToken: parseAdminToken(read, production),
    corsOrigins: parseCorsOrigins(read),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    seedSampleCorpus: read.boolean('SEED_SAMPLE_CORPUS', true),
    tracing: parseTracingConfig(env),
    limits: {
      maxBodyBytes: read.integer('MAX_BODY_BYTES', 1_048_576, { min: 1024, max: 100 * 1_048_576 }),
      maxQueryChars: read.integer('MAX_QUERY_CHARS', 2000, { min: 1, max: 100_000 }),
      maxDocumentChars: read.integer('MAX_DOCUMENT_CHARS', 200_000, { min: 1, max: 10_000_000 }),
      historyTurns: read.integer('HISTORY_TURNS', 6, { min: 0, max: 100 }),
      historyTokens: read.integer('HISTORY_MAX_TOKENS', 2000, { min: 0, max: 100_000 }),
      uploadEmbeddingConcurrency: read.integer('UPLOAD_EMBEDDING_CONCURRENCY', 16, { min: 1, max: 256 }),
      maxUploadFileBytes: read.integer('MAX_UPLOAD_FILE_BYTES', 20 * 1_048_576, {
        min: 1024,
        max: 200 * 1_048_576,
      }),
      maxUploadFiles: read.integer('MAX_UPLOAD_FILES', 50, { min: 1, max: 1000 }),
    },
    retrieval: {
      defaultTopK: read.integer('TOP_K', 5, TOP_K_RANGE),
      minScore: read.number('MIN_SCORE', 0.05, { min: 0, max: 1 }),
    },
    conversations: {
      retentionDays: read.integer('CONVERSATION_RETENTION_DAYS', 90, { min: 0, max: 3650 }),
    },
    signIn: parseSignIn(env, read, production),
    usageLimits: {
      queriesPerDay: read.integer('QUERIES_PER_DAY', 500, { min: 0, max: 10_000_000 }),
      generatedTokensPerDay: read.integer('GENERATED_TOKENS_PER_DAY', 200_000, {
        min: 0,
        max: 1_000_000_000,
      }),
    },
    trustProxy: read.boolean('TRUST_PROXY', false),
  };
}

function parseSignIn(env: Env, read: Reader, production: boolean): SignInConfig {
  const mode = read.oneOf('SIGNIN_MODE', ['off', 'alb'] as const, 'off');
  if (mode === 'off') return { mode, localMode: !production };
  return {
    mode,
    ...parseAlbTokenSettings(env),
    groupsClaim: read.string('SIGNIN_GROUPS_CLAIM', 'cognito:groups'),
    adminGroup: read.string('SIGNIN_ADMIN_GROUP', 'ragchat-admins'),
  };
}

function parseEnvironment(read: Reader): string {
  const environment = read.string('ENVIRONMENT', 'local');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(environment)) {
    throw new ConfigError('ENVIRONMENT', `must be a short name like staging or pr-12, got "${environment}"`);
  }
  return environment;
}

function parseProvider(read: Reader): ProviderConfig {
  const kind = read.oneOf('PROVIDER', ['local', 'bedrock'] as const, 'local');
  if (kind === 'local') return { kind };
  const region = read.raw('BEDROCK_REGION') ?? read.raw('AWS_REGION');
  if (region === undefined)
    throw new ConfigError('BEDROCK_REGION', 'or AWS_REGION is required when PROVIDER=bedrock');
  const endpoint = read.raw('BEDROCK_ENDPOINT');
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw new ConfigError('BEDROCK_ENDPOINT', `must be an http(s) URL, got "${endpoint}"`);
  }
  return {
    kind,
    region,
    embeddingModelId: read.string('EMBEDDING_MODEL_ID', DEFAULT_EMBEDDING_MODEL_ID),
    generationModelId: read.string('GENERATION_MODEL_ID', DEFAULT_GENERATION_MODEL_ID),
    endpoint,
    maxAttempts: read.integer('BEDROCK_MAX_ATTEMPTS', 3, { min: 1, max: 10 }),
    maxTokens: read.integer('GENERATION_MAX_TOKENS', 512, { min: 1, max: 8192 }),
    temperature: read.number('GENERATION_TEMPERATURE', 0.2, { min: 0, max: 1 }),
    topP: read.optionalNumber('GENERATION_TOP_P', { min: 0.01, max: 1 }),
    guardrail: parseGuardrail(read),
  };
}

function parseGuardrail(read: Reader): GuardrailConfig | undefined {
  const identifier = read.raw('GUARDRAIL_ID');
  const version = read.raw('GUARDRAIL_VERSION');
  if (identifier === undefined && version === undefined) return undefined;
  if (identifier === undefined)
    throw new ConfigError('GUARDRAIL_ID', 'is required when GUARDRAIL_VERSION is set');
  if (version === undefined)
    throw new ConfigError('GUARDRAIL_VERSION', 'is required when GUARDRAIL_ID is set');
  const mode = read.raw('GUARDRAIL_STREAM_MODE');
  return {
    identifier,
    version,
    streamProcessingMode:
      mode === undefined
        ? undefined
        : read.oneOf('GUARDRAIL_STREAM_MODE', ['sync', 'async'] as const, 'sync'),
  };
}

function parseDatabase(read: Reader): DatabaseOptions {
  const poolMax = read.integer('DB_POOL_MAX', 10, { min: 1, max: 1000 });
  const url = read.raw('DATABASE_URL');
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
    }
    return { kind: 'postgres', connection: url, poolMax };
  }
  const secret = read.raw('DB_SECRET');
  if (secret !== undefined) {
    const ssl = read.oneOf('DB_SSL', ['verify-full', 'no-verify', 'off'] as const, 'verify-full');
    return { kind: 'postgres', connection: { ...parseDbSecret(secret), ssl: DB_SSL_SETTINGS[ssl] }, poolMax };
  }
  const dataDir = read.raw('DATA_DIR');
  return { kind: 'embedded', dataDir: dataDir === undefined ? DEFAULT_DATA_DIR : resolve(dataDir) };
}

/**
 * TLS to a DB_SECRET server. RDS refuses unencrypted connections by default; `verify-full` checks
 * the certificate against Node's CAs plus NODE_EXTRA_CA_CERTS (the image adds the RDS bundle).
 */
const DB_SSL_SETTINGS = {
  'verify-full': { rejectUnauthorized: true },
  'no-verify': { rejectUnauthorized: false },
  off: false,
} as const;

/** The Secrets Manager JSON that ECS injects; never echo its content in an error. */
function parseDbSecret(secret: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new ConfigError('DB_SECRET', 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('DB_SECRET', 'must be a JSON object');
  }
  const field = (name: string): string => {
    const value: unknown = Reflect.get(parsed, name);
    if (typeof value === 'string' && value !== '') return value;
    if (name === 'port' && typeof value === 'number') return String(value);
    throw new ConfigError('DB_SECRET', `is missing the "${name}" field`);
  };
  const port = Number(field('port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError('DB_SECRET', 'has an invalid "port" field');
  }
  return {
    host: field('host'),
    port,
    database: field('dbname'),
    user: field('username'),
    password: field('password'),
  };
}

function parseAdminToken(read: Reader, production: boolean): Config['adminToken'] {
  const token = read.raw('ADMIN_TOKEN');
  if (token === undefined) {
    if (production)
      throw new ConfigError('ADMIN_TOKEN', 'is required when PROVIDER=bedrock or NODE_ENV=production');
    return { value: randomBytes(24).toString('base64url'), generated: true };
  }
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new ConfigError(
      'ADMIN_TOKEN',
      `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`,
    );
  }
  return { value: token, generated: false };
}

function parseCorsOrigins(read: Reader): readonly string[] {
  const raw = read.raw('CORS_ORIGINS');
  if (raw === undefined) return [];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    if (!isHttpUrl(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must list origins like https://chat.example.com, got "${origin}"`,
      );
    }
  }
  return origins;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

type Reader = ReturnType<typeof reader>;

function reader(env: Env) {
  /** Unset and blank are the same: an empty variable in a task definition means "use the default". */
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const number = (name: string, fallback: number, range: { min: number; max: number }): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < range.min || parsed > range.max) {
      throw new ConfigError(name, `must be a number from ${range.min} to ${range.max}, got "${value}"`);
    }
    return parsed;
  };
  return {
    raw,
    number,
    optionalNumber: (name: string, range: { min: number; max: number }): number | undefined =>
      raw(name) === undefined ? undefined : number(name, 0, range),
    string: (name: string, fallback: string): string => raw(name) ?? fallback,
    integer: (name: string, fallback: number, range: { min: number; max: number }): number => {
      const value = raw(name);
      if (value !== undefined && !/^\d+$/.test(value)) {
        throw new ConfigError(
          name,
          `must be a whole number from ${range.min} to ${range.max}, got "${value}"`,
        );
      }
      return number(name, fallback, range);
    },
    boolean: (name: string, fallback: boolean): boolean => {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new ConfigError(name, `must be true or false, got "${value}"`);
    },
    oneOf: <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
      const value = raw(name);
      if (value === undefined) return fallback;
      const match = allowed.find((candidate) => candidate === value);
      if (match === undefined)
        throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
      return match;
    },
  };
}
