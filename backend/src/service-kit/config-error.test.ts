import { ConfigError, logConfigError } from './config-error';
import { createLogger } from './logger';

describe('logConfigError', () => {
  it('names the variable and carries the error in the one shape both services print', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (line) => lines.push(line) });
    logConfigError(logger, new ConfigError('PORT', 'must be a number'));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'invalid configuration',
        variable: 'PORT',
        err: expect.objectContaining({ name: 'ConfigError', message: 'PORT must be a number' }),
      }),
    ]);
  });
});
