import { createLogger, type Logger } from '@ragchat/backend/service-kit';

export type { Logger };

/** The frontend's process logger; `service` on every line tells the two services apart in one query. */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return createLogger({ level: 'info', write }, { service: 'frontend' });
}
