import type { Logger } from '../../src/server/logger';

/** Keeps log lines in memory so tests stay quiet and can assert what was logged. */
export function memoryLogger(): Logger & {
  readonly lines: { msg: string; fields: Record<string, unknown> }[];
} {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (msg, fields = {}) => lines.push({ msg, fields }),
    error: (msg, fields = {}) => lines.push({ msg, fields }),
  };
}
