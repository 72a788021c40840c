import { createProviders, type ServiceProviders } from '../../src/providers';
import { type FakeBedrock, startFakeBedrock } from '../fake-bedrock/server';
import { ADMIN_TOKEN, STARTUP_TIMEOUT_MS, startTestApp, type TestApp } from './harness';

export interface BedrockModeApp {
  readonly fake: FakeBedrock;
  readonly app: TestApp;
}

/**
 * The app in bedrock mode for the enclosing suite, built by createProviders from configuration like in
 * production, against the local fake Bedrock runtime (real SDK client, real wire protocol).
 * `env` adds to (or overrides) the bedrock-mode variables.
 */
export function useBedrockModeApp(env: Readonly<Record<string, string>> = {}): BedrockModeApp {
  let fake: FakeBedrock | undefined;
  let app: TestApp | undefined;
  let providers: ServiceProviders | undefined;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    fake = await startFakeBedrock();
    // The SDK's default credential chain reads these, as it reads the task role in ECS.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
    app = await startTestApp({
      env: {
        PROVIDER: 'bedrock',
        AWS_REGION: 'eu-west-1',
        BEDROCK_ENDPOINT: fake.endpoint,
        // One attempt: retries and their backoff are the provider's own tests' business.
        BEDROCK_MAX_ATTEMPTS: '1',
        ADMIN_TOKEN,
        ...env,
      },
      providers: (config) => {
        providers = createProviders(config.provider, config.server.requestTimeoutMs);
        return providers;
      },
    });
  }, STARTUP_TIMEOUT_MS);

  afterAll(async () => {
    await app?.close();
    providers?.close();
    await fake?.close();
    process.env = savedEnv;
  });

  return {
    get fake() {
      if (fake === undefined) throw new Error('The fake Bedrock starts in beforeAll');
      return fake;
    },
    get app() {
      if (app === undefined) throw new Error('The app starts in beforeAll');
      return app;
    },
  };
}
