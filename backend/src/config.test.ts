import { resolve } from 'node:path';
import { loadConfig } from './config';
import { ConfigError } from './service-kit/config-error';

const TOKEN = 'a-long-enough-admin-token';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('loadConfig', () => {
  it('defaults to a local, embedded, CORS-off service on port 8000', () => {
    const config = loadConfig({});
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 8000,
      requestTimeoutMs: 30_000,
      ingestTimeoutMs: 300_000,
      shutdownTimeoutMs: 10_000,
    });
    expect(config.provider).toEqual({ kind: 'local' });
    expect(config.environment).toBe('local');
    expect(config.database).toEqual({ kind: 'embedded', dataDir: resolve(__dirname, '..', '..', '.data') });
    expect(config.corsOrigins).toEqual([]);
    expect(config.tracing).toEqual({ exporter: 'none' });
    expect(config.seedSampleCorpus).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(config.retrieval).toEqual({ defaultTopK: 5, minScore: 0.05 });
  });

  it('generates a fresh admin token in local mode when none is set', () => {
    const first = loadConfig({}).adminToken;
    const second = loadConfig({}).adminToken;
    expect(first.generated).toBe(true);
    expect(first.value.length).toBeGreaterThanOrEqual(32);
    expect(first.value).not.toBe(second.value);
    expect(loadConfig({ ADMIN_TOKEN: TOKEN }).adminToken).toEqual({ value: TOKEN, generated: false });
  });

  it('resolves DATA_DIR against the working directory and treats blank values as unset', () => {
    expect(loadConfig({ DATA_DIR: 'tmp/db' }).database).toEqual({
      kind: 'embedded',
      dataDir: resolve('tmp/db'),
    });
    expect(loadConfig({ BACKEND_PORT: '  ' }).server.port).toBe(8000);
    expect(loadConfig({ BACKEND_PORT: '0' }).server.port).toBe(0);
  });

  it('uses DATABASE_URL before DB_SECRET, with the pool size', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/rag',
      DB_SECRET: '{}',
      DB_POOL_MAX: '4',
    });
    expect(config.database).toEqual({
      kind: 'postgres',
      connection: 'postgres://u:p@db:5432/rag',
      poolMax: 4,
    });
  });

  it('reads the ECS-injected DB_SECRET, with a numeric or string port', () => {
    const secret = {
      host: 'db.internal',
      port: 5432,
      dbname: 'rag',
      username: 'app',
      password: 's3cret',
      engine: 'x',
    };
    const expected = {
      kind: 'postgres',
      connection: {
        host: 'db.internal',
        port: 5432,
        database: 'rag',
        user: 'app',
        password: 's3cret',
        ssl: { rejectUnauthorized: true },
      },
      poolMax: 10,
    };
    expect(loadConfig({ DB_SECRET: JSON.stringify(secret) }).database).toEqual(expected);
    expect(loadConfig({ DB_SECRET: JSON.stringify({ ...secret, port: '5432' }) }).database).toEqual(expected);
  });

  it('connects to a DB_SECRET server over verified TLS unless DB_SSL says otherwise', () => {
    const secret = JSON.stringify({ host: 'h', port: 5432, dbname: 'd', username: 'u', password: 'p' });
    const sslOf = (env: Record<string, string>) => {
      const { database } = loadConfig({ DB_SECRET: secret, ...env });
      return database.kind === 'postgres' && typeof database.connection === 'object'
        ? database.connection.ssl
        : 'not a DB_SECRET connection';
    };
    expect(sslOf({ DB_SSL: 'no-verify' })).toEqual({ rejectUnauthorized: false });
    expect(sslOf({ DB_SSL: 'off' })).toBe(false);
    expect(configError({ DB_SECRET: secret, DB_SSL: 'maybe' }).variable).toBe('DB_SSL');
  });

  it('rejects a malformed DB_SECRET without echoing the password', () => {
    const missing = configError({
      DB_SECRET: JSON.stringify({ host: 'h', port: 5432, dbname: 'd', password: 'pw!' }),
    });
    expect(missing.variable).toBe('DB_SECRET');
    expect(missing.message).toBe('DB_SECRET is missing the "username" field');
    const garbage = configError({ DB_SECRET: '{"password":"pw!"' });
    expect(garbage.message).toBe('DB_SECRET is not valid JSON');
    expect(garbage.message).not.toContain('pw!');
    expect(configError({ DB_SECRET: '[]' }).message).toBe('DB_SECRET must be a JSON object');
    const badPort = JSON.stringify({ host: 'h', port: 99999, dbname: 'd', username: 'u', password: 'p' });
    expect(configError({ DB_SECRET: badPort }).message).toBe('DB_SECRET has an invalid "port" field');
  });

  it('configures Bedrock from the region and model variables', () => {
    const config = loadConfig({
      PROVIDER: 'bedrock',
      AWS_REGION: 'eu-west-1',
      BEDROCK_REGION: 'us-east-1',
      ADMIN_TOKEN: TOKEN,
      BEDROCK_ENDPOINT: 'http://127.0.0.1:4010',
    });
    expect(config.provider).toEqual({
      kind: 'bedrock',
      region: 'us-east-1',
      embeddingModelId: 'amazon.titan-embed-text-v2:0',
      generationModelId: 'meta.llama3-8b-instruct-v1:0',
      endpoint: 'http://127.0.0.1:4010',
      maxAttempts: 3,
      maxTokens: 512,
      temperature: 0.2,
      topP: undefined,
      guardrail: undefined,
    });
    const aws = loadConfig({ PROVIDER: 'bedrock', AWS_REGION: 'eu-west-1', ADMIN_TOKEN: TOKEN });
    expect(aws.provider).toMatchObject({ region: 'eu-west-1', endpoint: undefined });
  });

  it('reads generation settings and requires a guardrail id and version together', () => {
    const bedrock = { PROVIDER: 'bedrock', AWS_REGION: 'eu-west-1', ADMIN_TOKEN: TOKEN };
    const config = loadConfig({
      ...bedrock,
      BEDROCK_MAX_ATTEMPTS: '5',
      GENERATION_MAX_TOKENS: '1024',
      GENERATION_TEMPERATURE: '0',
      GENERATION_TOP_P: '0.9',
      GUARDRAIL_ID: 'gr-123',
      GUARDRAIL_VERSION: 'DRAFT',
      GUARDRAIL_STREAM_MODE: 'async',
    });
    expect(config.provider).toMatchObject({
      maxAttempts: 5,
      maxTokens: 1024,
      temperature: 0,
      topP: 0.9,
      guardrail: { identifier: 'gr-123', version: 'DRAFT', streamProcessingMode: 'async' },
    });
    expect(configError({ ...bedrock, GUARDRAIL_ID: 'gr-123' }).variable).toBe('GUARDRAIL_VERSION');
    expect(configError({ ...bedrock, GUARDRAIL_VERSION: '1' }).variable).toBe('GUARDRAIL_ID');
    expect(configError({ ...bedrock, GENERATION_TOP_P: '0' }).variable).toBe('GENERATION_TOP_P');
  });

  it('requires a region and an admin token in bedrock or production mode', () => {
    expect(configError({ PROVIDER: 'bedrock', ADMIN_TOKEN: TOKEN }).variable).toBe('BEDROCK_REGION');
    expect(configError({ PROVIDER: 'bedrock', AWS_REGION: 'eu-west-1' }).variable).toBe('ADMIN_TOKEN');
    expect(configError({ NODE_ENV: 'production' }).variable).toBe('ADMIN_TOKEN');
    expect(configError({ ADMIN_TOKEN: 'short' }).message).toBe(
      'ADMIN_TOKEN must be at least 16 characters without spaces',
    );
  });

  it('parses the CORS allow-list and rejects anything that is not a bare origin', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://chat.example.com, http://localhost:3000' });
    expect(config.corsOrigins).toEqual(['https://chat.example.com', 'http://localhost:3000']);
    expect(configError({ CORS_ORIGINS: 'https://chat.example.com/' }).variable).toBe('CORS_ORIGINS');
    expect(configError({ CORS_ORIGINS: '*' }).variable).toBe('CORS_ORIGINS');
  });

  it('points OpenTelemetry tracing at the collector sidecar unless told otherwise', () => {
    expect(loadConfig({ OTEL_EXPORTER: 'otlp' }).tracing).toEqual({
      exporter: 'otlp',
      endpoint: 'http://127.0.0.1:4318',
      sampleRate: 0.05,
    });
    expect(
      loadConfig({
        OTEL_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://10.0.0.2:4318',
        TRACE_SAMPLE_RATE: '1',
      }).tracing,
    ).toEqual({ exporter: 'otlp', endpoint: 'http://10.0.0.2:4318', sampleRate: 1 });
    expect(
      configError({ OTEL_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: '10.0.0.2:4318' }).variable,
    ).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(configError({ OTEL_EXPORTER: 'xray' }).variable).toBe('OTEL_EXPORTER');
  });

  it.each([
    ['BACKEND_PORT', '80a', 'BACKEND_PORT must be a whole number from 0 to 65535, got "80a"'],
    ['BACKEND_PORT', '70000', 'BACKEND_PORT must be a number from 0 to 65535, got "70000"'],
    ['TOP_K', '21', 'TOP_K must be a number from 1 to 20, got "21"'],
    ['HISTORY_MAX_TOKENS', '1.5', 'HISTORY_MAX_TOKENS must be a whole number from 0 to 100000, got "1.5"'],
    [
      'CONVERSATION_RETENTION_DAYS',
      '4000',
      'CONVERSATION_RETENTION_DAYS must be a number from 0 to 3650, got "4000"',
    ],
    ['MIN_SCORE', 'high', 'MIN_SCORE must be a number from 0 to 1, got "high"'],
    ['PROVIDER', 'openai', 'PROVIDER must be one of local, bedrock, got "openai"'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of debug, info, warn, error, got "verbose"'],
    ['SEED_SAMPLE_CORPUS', 'yes', 'SEED_SAMPLE_CORPUS must be true or false, got "yes"'],
    [
      'ENVIRONMENT',
      'staging env',
      'ENVIRONMENT must be a short name like staging or pr-12, got "staging env"',
    ],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must start with postgres:// or postgresql://'],
    ['MAX_BODY_BYTES', '-1', 'MAX_BODY_BYTES must be a whole number from 1024 to 104857600, got "-1"'],
    [
      'UPLOAD_EMBEDDING_CONCURRENCY',
      '0',
      'UPLOAD_EMBEDDING_CONCURRENCY must be a number from 1 to 256, got "0"',
    ],
  ])('rejects %s=%s with a message naming the variable', (variable, value, message) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toBe(message);
  });

  it('accepts in-range numeric limits', () => {
    const config = loadConfig({ MAX_QUERY_CHARS: '100', HISTORY_TURNS: '0', MIN_SCORE: '0.25', TOP_K: '20' });
    expect(config.limits.maxQueryChars).toBe(100);
    expect(config.limits.historyTurns).toBe(0);
    expect(config.limits.uploadEmbeddingConcurrency).toBe(16);
    expect(loadConfig({ UPLOAD_EMBEDDING_CONCURRENCY: '4' }).limits.uploadEmbeddingConcurrency).toBe(4);
    expect(config.retrieval).toEqual({ defaultTopK: 20, minScore: 0.25 });
  });

  it('bounds history by tokens and keeps conversations 90 days unless told otherwise', () => {
    const defaults = loadConfig({});
    expect(defaults.limits.historyTokens).toBe(2000);
    expect(defaults.conversations).toEqual({ retentionDays: 90 });
    const custom = loadConfig({ HISTORY_MAX_TOKENS: '0', CONVERSATION_RETENTION_DAYS: '0' });
    expect(custom.limits.historyTokens).toBe(0);
    expect(custom.conversations.retentionDays).toBe(0);
  });

  describe('sign-in and usage limits', () => {
    const ALB_ARN =
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/ragchat-prod/50dc6c495c0c9188';

    it('defaults to sign-in off (local user in local mode, anonymous when deployed) and daily limits', () => {
      expect(loadConfig({}).signIn).toEqual({ mode: 'off', localMode: true });
      expect(loadConfig({ NODE_ENV: 'production', ADMIN_TOKEN: TOKEN }).signIn).toEqual({
        mode: 'off',
        localMode: false,
      });
      expect(loadConfig({}).usageLimits).toEqual({ queriesPerDay: 500, generatedTokensPerDay: 200_000 });
      expect(loadConfig({}).trustProxy).toBe(false);
    });

    it('derives the regional key endpoint from the load balancer ARN', () => {
      expect(loadConfig({ SIGNIN_MODE: 'alb', SIGNIN_ALB_ARN: ALB_ARN }).signIn).toEqual({
        mode: 'alb',
        albArn: ALB_ARN,
        keyEndpoint: 'https://public-keys.auth.elb.eu-west-1.amazonaws.com',
        issuer: undefined,
        clientId: undefined,
        groupsClaim: 'cognito:groups',
        adminGroup: 'ragchat-admins',
      });
      expect(
        loadConfig({
          SIGNIN_MODE: 'alb',
          SIGNIN_ALB_ARN: ALB_ARN,
          SIGNIN_KEY_ENDPOINT: 'http://127.0.0.1:3000/local-sign-in/keys/',
          SIGNIN_ISSUER: 'https://idp.example.com',
          SIGNIN_CLIENT_ID: 'abc',
          SIGNIN_GROUPS_CLAIM: 'groups',
          SIGNIN_ADMIN_GROUP: 'editors',
        }).signIn,
      ).toMatchObject({
        keyEndpoint: 'http://127.0.0.1:3000/local-sign-in/keys',
        issuer: 'https://idp.example.com',
        clientId: 'abc',
        groupsClaim: 'groups',
        adminGroup: 'editors',
      });
    });

    it.each([
      [{ SIGNIN_MODE: 'cognito' }, 'SIGNIN_MODE', 'SIGNIN_MODE must be one of off, alb, got "cognito"'],
      [{ SIGNIN_MODE: 'alb' }, 'SIGNIN_ALB_ARN', 'SIGNIN_ALB_ARN is required when SIGNIN_MODE=alb'],
      [
        {
          SIGNIN_MODE: 'alb',
          SIGNIN_ALB_ARN: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1',
        },
        'SIGNIN_ALB_ARN',
        expect.stringContaining('must be an application load balancer ARN'),
      ],
      [
        { SIGNIN_MODE: 'alb', SIGNIN_ALB_ARN: ALB_ARN, SIGNIN_KEY_ENDPOINT: 'ftp://keys' },
        'SIGNIN_KEY_ENDPOINT',
        'SIGNIN_KEY_ENDPOINT must be an http(s) URL, got "ftp://keys"',
      ],
      [{ QUERIES_PER_DAY: 'many' }, 'QUERIES_PER_DAY', expect.stringContaining('whole number')],
      [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY', 'TRUST_PROXY must be true or false, got "maybe"'],
    ])('rejects %j naming %s', (env, variable, message) => {
      const error = configError(env as Record<string, string>);
      expect(error.variable).toBe(variable);
      expect(error.message).toEqual(message);
    });
  });
});
