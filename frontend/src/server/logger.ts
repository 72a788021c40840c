/** One JSON object per line on stdout, the format the backend and CloudWatch Logs Insights share. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const log = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level, service: 'frontend', msg, ...fields })}\n`,
    );
  };
  return {
    info: (msg, fields) => log('info', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}
