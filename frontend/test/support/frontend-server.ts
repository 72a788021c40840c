import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/server/app';
import type { FrontendConfig } from '../../src/server/config';
import { loadStaticAssets } from '../../src/server/static-assets';
import { browserBundleDir } from './browser-bundle';
import { memoryLogger } from './test-logger';

export interface RunningFrontend {
  readonly url: string;
  readonly server: Server;
  readonly logger: ReturnType<typeof memoryLogger>;
  close(): Promise<void>;
}

export async function startFrontend(
  config: Partial<
    Pick<
      FrontendConfig,
      'basePath' | 'proxyTimeoutMs' | 'maxRequestBodyBytes' | 'signIn' | 'hstsMaxAgeSeconds' | 'trustProxy'
    >
  > & { backendUrl: string },
  publicDir = browserBundleDir(),
): Promise<RunningFrontend> {
  const basePath = config.basePath ?? '';
  const logger = memoryLogger();
  const app = createApp({
    config: {
      basePath,
      backendUrl: new URL(config.backendUrl),
      proxyTimeoutMs: config.proxyTimeoutMs ?? 5_000,
      signIn: config.signIn ?? { mode: 'off' },
      hstsMaxAgeSeconds: config.hstsMaxAgeSeconds ?? 31_536_000,
      trustProxy: config.trustProxy ?? false,
      maxRequestBodyBytes: config.maxRequestBodyBytes ?? 1_048_576,
    },
    assets: loadStaticAssets(publicDir, basePath),
    logger,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    logger,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
