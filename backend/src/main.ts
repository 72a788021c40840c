import { type Config, loadConfig } from './config';
import type * as ServiceModule from './service';
import { ConfigError, EXIT_INVALID_CONFIG, logConfigError } from './service-kit/config-error';
import { batchedWriter, createLogger } from './service-kit/logger';
import type * as TracingModule from './service-kit/tracing';

export const SERVICE_NAME = 'ragchat-backend';

/** What main needs from the process, injected so tests can run it without exiting. */
export interface ProcessIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  onSignal(signal: NodeJS.Signals, handler: () => void): void;
  exit(code: number): void;
}

const processIo: ProcessIo = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal: (signal, handler) => process.once(signal, handler),
  exit: (code) => process.exit(code),
};

/**
 * The process entry point: configuration, start, and shutdown on SIGTERM/SIGINT. Failures are
 * reported here, once, as a JSON line on stderr followed by a non-zero exit.
 */
export async function main(io: ProcessIo = processIo): Promise<void> {
  const stderrLogger = () => createLogger({ level: 'error', write: (line) => io.stderr.write(line) });
  const fatal = (msg: string, fields: Record<string, unknown>, code: number) => {
    stderrLogger().error(msg, fields);
    io.exit(code);
  };
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logConfigError(stderrLogger(), error);
    io.exit(EXIT_INVALID_CONFIG);
    return;
  }
  const output = batchedWriter(io.stdout);
  const logger = createLogger({ level: config.logLevel, write: output.write });
  const exit = (code: number) => {
    output.flush();
    io.exit(code);
  };
  if (config.adminToken.generated) {
    // Local mode only (config refuses a missing token in production): the one place a secret is logged.
    logger.info('generated an admin token for this run; set ADMIN_TOKEN to choose one', {
      adminToken: config.adminToken.value,
    });
  }
  const tracing = startTracing(config.tracing);
  // Required only now: the OpenTelemetry instrumentations patch koa, pg and the AWS SDK as they load.
  const { startService } = require('./service') as typeof ServiceModule;
  let service: ServiceModule.RunningService;
  try {
    service = await startService(config, logger);
  } catch (error) {
    output.flush();
    fatal('failed to start', { err: error }, 1);
    return;
  }
  const stop = (signal: NodeJS.Signals) => () => {
    logger.info('signal received', { signal });
    service
      .shutdown()
      .then(() => tracing?.shutdown())
      .then(
        () => exit(0),
        (error: unknown) => {
          logger.error('shutdown failed', { err: error });
          exit(1);
        },
      );
  };
  io.onSignal('SIGTERM', stop('SIGTERM'));
  io.onSignal('SIGINT', stop('SIGINT'));
}

/** Local mode (no exporter) never loads the OpenTelemetry SDK, so tracing costs nothing there. */
function startTracing(tracing: Config['tracing']): TracingModule.Tracing | undefined {
  if (tracing.exporter === 'none') return undefined;
  const { startTracing } = require('./service-kit/tracing') as typeof TracingModule;
  return startTracing({
    serviceName: SERVICE_NAME,
    endpoint: tracing.endpoint,
    sampleRate: tracing.sampleRate,
    instrument: ['http', 'koa', 'pg', 'aws-sdk'],
  });
}

if (require.main === module) void main();
