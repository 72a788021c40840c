import { batchedWriter, createLogger } from './logger';

/** Shaped like the services' AppError: a code and a cause. */
class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line), now: () => new Date(0) });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, parsed };
}

describe('createLogger', () => {
  it('writes one JSON line per call with time, level, message and fields', () => {
    const { logger, lines, parsed } = capture();
    logger.info('listening', { url: 'http://127.0.0.1:8000' });
    expect(lines).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"http://127.0.0.1:8000"}\n',
    ]);
    expect(parsed()).toHaveLength(1);
  });

  it('drops lines below the configured level', () => {
    const { logger, parsed } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((line) => line.level)).toEqual(['warn', 'error']);
  });

  it('puts child bindings on every line of the child only', () => {
    const { logger, parsed } = capture();
    const child = logger.child({ requestId: 'r-1' });
    child.info('one');
    child.child({ route: '/x' }).warn('two');
    logger.info('three');
    expect(parsed().map((line) => [line.msg, line.requestId, line.route])).toEqual([
      ['one', 'r-1', undefined],
      ['two', 'r-1', '/x'],
      ['three', undefined, undefined],
    ]);
  });

  it('serializes errors with their code and cause', () => {
    const { logger, parsed } = capture();
    const cause = new Error('socket hang up');
    logger.error('failed', { err: new AppError(502, 'upstream_error', 'model failed', { cause }) });
    const err = parsed()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ name: 'AppError', message: 'model failed', code: 'upstream_error' });
    expect(err.cause).toMatchObject({ name: 'Error', message: 'socket hang up' });
    expect(typeof err.stack).toBe('string');
  });
});

describe('redaction', () => {
  it('hides tokens and secrets on the line and one object down, keeping everything else', () => {
    const { logger, parsed } = capture();
    logger.child({ DB_SECRET: '{"password":"p"}' }).info('request', {
      ADMIN_TOKEN: 'admin-secret',
      headers: {
        authorization: 'Bearer admin-secret',
        cookie: 'session=abc',
        'x-amzn-oidc-data': 'eyJ.jwt.sig',
        'x-request-id': 'r-1',
      },
      path: '/api/query',
    });
    const [line] = parsed();
    expect(line).toMatchObject({
      DB_SECRET: '[redacted]',
      ADMIN_TOKEN: '[redacted]',
      headers: {
        authorization: '[redacted]',
        cookie: '[redacted]',
        'x-amzn-oidc-data': '[redacted]',
        'x-request-id': 'r-1',
      },
      path: '/api/query',
    });
    expect(JSON.stringify(line)).not.toMatch(/admin-secret|abc|eyJ|"p"/);
  });

  it('hides secrets in child bindings and in errors, and leaves the logged objects as they were', () => {
    const { logger, parsed } = capture();
    const headers = { authorization: 'Bearer admin-secret', accept: 'text/event-stream' };
    const failure = Object.assign(new Error('upstream refused'), { password: 'p4ss' });
    logger.child({ request: headers }).error('failed', { err: failure });
    const [line] = parsed();
    expect(line).toMatchObject({
      request: { authorization: '[redacted]', accept: 'text/event-stream' },
      err: { message: 'upstream refused', password: '[redacted]' },
    });
    expect(line?.err).toHaveProperty('stack', expect.any(String));
    expect(JSON.stringify(line)).not.toMatch(/admin-secret|p4ss/);
    expect(headers.authorization).toBe('Bearer admin-secret');
    expect(failure.password).toBe('p4ss');
  });
});

describe('batchedWriter', () => {
  it('writes all lines of one event-loop turn in a single write, in order', async () => {
    const writes: string[] = [];
    const writer = batchedWriter({ write: (chunk: string) => writes.push(chunk) });
    writer.write('a\n');
    writer.write('b\n');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['a\nb\n']);
    writer.write('c\n');
    writer.flush();
    expect(writes).toEqual(['a\nb\n', 'c\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  });
});
