import type { Logger } from '../../src/server/logger';

type Line = { msg: string; fields: Record<string, unknown> };

/** Keeps log lines in memory so tests stay quiet and can assert what was logged. */
export function memoryLogger(): Logger & { readonly lines: Line[] } {
  const lines: Line[] = [];
  const record = (msg: string, fields: Record<string, unknown> = {}) => {
    lines.push({ msg, fields });
  };
  const logger: Logger & { readonly lines: Line[] } = {
    lines,
    debug: record,
    info: record,
    warn: record,
    error: record,
    child: () => logger,
  };
  return logger;
}
