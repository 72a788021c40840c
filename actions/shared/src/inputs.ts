import * as core from '@actions/core';

/** A missing or invalid input; the message always names the input. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    problem: string,
  ) {
    super(`Input '${input}' ${problem}`);
    this.name = 'InputError';
  }
}

export function requiredInput(name: string): string {
  const value = core.getInput(name).trim();
  if (value === '') throw new InputError(name, 'is required');
  return value;
}

export function optionalInput(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === '' ? undefined : value;
}

export function enumInput<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = optionalInput(name)?.toLowerCase() ?? fallback;
  const match = allowed.find((candidate) => candidate.toLowerCase() === value);
  if (match === undefined) {
    throw new InputError(name, `must be one of ${allowed.join(', ')} (got '${value}')`);
  }
  return match;
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const value = optionalInput(name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(name, `must be true or false (got '${value}')`);
}

export function integerInput(name: string, fallback: number, min: number, max: number): number {
  const raw = optionalInput(name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new InputError(name, `must be a whole number (got '${raw}')`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new InputError(name, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** Non-empty lines of a multi-line input; lines starting with '#' are comments. */
export function lineInput(name: string): string[] {
  return core
    .getInput(name)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A list separated by newlines and/or commas. */
export function listInput(name: string): string[] {
  return lineInput(name)
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** `KEY=value` lines; only the first '=' separates, so values may contain '='. */
export function keyValueInput(name: string): KeyValue[] {
  return lineInput(name).map((line, index) => {
    const separator = line.indexOf('=');
    const key = separator === -1 ? '' : line.slice(0, separator).trim();
    if (key === '') throw new InputError(name, `line ${index + 1} must look like KEY=value (got '${line}')`);
    return { key, value: line.slice(separator + 1).trim() };
  });
}
