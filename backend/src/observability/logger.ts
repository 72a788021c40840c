export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

/** Structured JSON logger: one line per call, bound fields (e.g. the request id) on every line. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Receives complete lines (newline included). */
  readonly write: (line: string) => void;
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions, bindings: LogFields = {}): Logger {
  const threshold = SEVERITY[options.level];
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (SEVERITY[level] < threshold) return;
    const line = { time: now().toISOString(), level, msg, ...bindings, ...fields };
    options.write(`${JSON.stringify(line, serializeErrors)}\n`);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createLogger(options, { ...bindings, ...more }),
  };
}

/** Errors stringify to `{}` by default; keep what helps an operator, including the cause chain. */
function serializeErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return {
    name: value.name,
    message: value.message,
    ...('code' in value ? { code: value.code } : {}),
    stack: value.stack,
    ...(value.cause === undefined ? {} : { cause: value.cause }),
  };
}

/**
 * Writing to a pipe is synchronous on Linux, so lines are batched and written once per turn of
 * the event loop instead of once per log call. `flush` empties the batch immediately (shutdown).
 */
export function batchedWriter(stream: { write(chunk: string): unknown }): {
  write: (line: string) => void;
  flush: () => void;
} {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const lines = pending.join('');
    pending = [];
    stream.write(lines);
  };
  return {
    write: (line) => {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
