import type { TriggerEvent } from './github-context';
import type { ParsedWorkflow } from './runner';

type Events = ParsedWorkflow['template']['events'];

/** The activity types a `pull_request` trigger without `types:` runs for. */
const DEFAULT_PULL_REQUEST_TYPES = ['opened', 'synchronize', 'reopened'];

/** A branch filter pattern: `*` any characters but `/`, `**` any characters, `?` one character. */
function branchPattern(pattern: string): RegExp {
  if (/^!|[[+]/.test(pattern))
    throw new Error(`branch filter '${pattern}': negation, + and [] are not modelled`);
  const source = pattern
    .split('**')
    .map((part) =>
      part
        .replace(/[.^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}

function branchAllowed(
  filter: { branches?: string[]; 'branches-ignore'?: string[] },
  branch: string,
): boolean {
  if (filter.branches) return filter.branches.some((pattern) => branchPattern(pattern).test(branch));
  if (filter['branches-ignore'])
    return !filter['branches-ignore'].some((pattern) => branchPattern(pattern).test(branch));
  return true;
}

/**
 * Whether GitHub starts a workflow with these triggers (its `on:`, as GitHub's parser converts it)
 * for the event: the event is listed; a pull_request's activity type is in `types` (default opened,
 * synchronize, reopened); the branch filters match the pushed branch or the pull request's base.
 * Path filters need the changed files, which the rehearsal does not model: they fail loudly.
 */
export function startsOn(events: Events, event: TriggerEvent): boolean {
  const config = events[event.name] as
    | {
        types?: string[];
        branches?: string[];
        'branches-ignore'?: string[];
        paths?: string[];
        'paths-ignore'?: string[];
      }
    | undefined;
  if (config === undefined) return false;
  if (config.paths || config['paths-ignore']) throw new Error(`${event.name} path filters are not modelled`);
  if (event.name === 'workflow_dispatch') return true;
  if (event.name === 'pull_request') {
    const types = config.types ?? DEFAULT_PULL_REQUEST_TYPES;
    return types.includes(String(event.payload.action)) && branchAllowed(config, event.baseRef ?? '');
  }
  const branch = /^refs\/heads\/(.+)$/.exec(event.ref)?.[1];
  return branch !== undefined && branchAllowed(config, branch);
}

/**
 * Why GitHub refuses a workflow_dispatch with these inputs, or undefined when it creates the run: a
 * `required` input without a default must be given, and a `choice` input must be one of its `options`.
 */
export function refusedDispatch(
  events: Events,
  inputs: Readonly<Record<string, string>>,
): string | undefined {
  const declared = events.workflow_dispatch?.inputs ?? {};
  for (const [name, config] of Object.entries(declared)) {
    const value = inputs[name];
    if (config.required && (value === undefined || value === '') && config.default === undefined)
      return `Required input '${name}' not provided`;
    if (config.type === 'choice' && value !== undefined && !(config.options ?? []).includes(value))
      return `Provided value '${value}' for input '${name}' not in the list of allowed values`;
  }
  return undefined;
}
