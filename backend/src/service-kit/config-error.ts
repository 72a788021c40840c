import type { Logger } from './logger';

/** A bad environment variable, as both services report it: the variable, then what is wrong. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** Exit code of both services for a configuration error, distinct from a crash (1). */
export const EXIT_INVALID_CONFIG = 2;

/** The one line a service prints before exiting with EXIT_INVALID_CONFIG. */
export function logConfigError(logger: Logger, error: ConfigError): void {
  logger.error('invalid configuration', { variable: error.variable, err: error });
}
