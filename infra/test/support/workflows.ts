import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { infraPath } from '../../src/paths';
import type { Json } from './app';

/**
 * The repository's workflows as the credentials tests need them: which jobs assume an AWS role,
 * under which OIDC subject each can run, and what they ask for. Values of `${{ }}` expressions are
 * computed by a small evaluator of the subset the workflows use (literals, `vars.*`, `inputs.*`,
 * `github.event_name`, `==`, `!=`, `&&`, `||`, parentheses), with GitHub's semantics: `&&` and `||`
 * return an operand, and an empty string is falsy (docs.github.com, "Evaluate expressions in
 * workflows and actions", operators).
 */

export const WORKFLOWS_DIR = infraPath('..', '.github', 'workflows');
export const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials';

export interface Workflow {
  readonly file: string;
  readonly doc: Json;
}

export function loadWorkflows(): Workflow[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((file) => ({ file, doc: parse(readFileSync(join(WORKFLOWS_DIR, file), 'utf8')) as Json }));
}

export type ExpressionContext = Readonly<Record<string, string | undefined>>;

type Token = { kind: 'str' | 'num' | 'name' | 'op'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][\w.-]*)|(==|!=|&&|\|\||\(|\)|!))/y;
  let index = 0;
  while (source.slice(index).trim() !== '') {
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) throw new Error(`Unsupported expression syntax at "${source.slice(index)}"`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'str', value: match[1].replace(/''/g, "'") });
    else if (match[2] !== undefined) tokens.push({ kind: 'num', value: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'name', value: match[3] });
    else tokens.push({ kind: 'op', value: match[4] as string });
  }
  return tokens;
}

/** Evaluates one expression (without `${{ }}`); unknown names evaluate to ''. */
export function evaluate(expression: string, context: ExpressionContext): string {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const truthy = (value: string) => value !== '' && value !== 'false' && value !== '0';

  const primary = (): string => {
    const token = next();
    if (token === undefined) throw new Error(`Unexpected end of expression "${expression}"`);
    if (token.kind === 'op' && token.value === '(') {
      const value = or();
      if (next()?.value !== ')') throw new Error(`Missing ) in "${expression}"`);
      return value;
    }
    if (token.kind === 'op' && token.value === '!') return truthy(primary()) ? 'false' : 'true';
    if (token.kind === 'name') {
      if (token.value === 'true' || token.value === 'false') return token.value;
      return context[token.value] ?? '';
    }
    if (token.kind === 'op') throw new Error(`Unexpected "${token.value}" in "${expression}"`);
    return token.value;
  };
  const comparison = (): string => {
    let left = primary();
    while (peek()?.value === '==' || peek()?.value === '!=') {
      const operator = next()?.value;
      const right = primary();
      const equal = left.toLowerCase() === right.toLowerCase();
      left = (operator === '==') === equal ? 'true' : 'false';
    }
    return left;
  };
  const and = (): string => {
    let left = comparison();
    while (peek()?.value === '&&') {
      next();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): string => {
    let left = and();
    while (peek()?.value === '||') {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const value = or();
  if (position !== tokens.length) throw new Error(`Unsupported expression "${expression}"`);
  return value;
}

/** A workflow value that may be, or contain, `${{ }}` expressions, as GitHub would render it. */
export function render(value: unknown, context: ExpressionContext): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value).replace(/\$\{\{(.*?)\}\}/g, (_m, inner: string) => evaluate(inner, context));
}

/** One way a job can run: its trigger, and the inputs it gets from its caller or dispatcher. */
export interface RunContext {
  readonly event: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** Caller chain for messages, e.g. `deploy.yml job dev`. */
  readonly via: string;
}

function triggers(doc: Json): string[] {
  const on = doc.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === 'object' ? Object.keys(on) : [];
}

function refsOf(doc: Json, event: string): string[] {
  if (event === 'pull_request') return ['refs/pull/1/merge'];
  const branches = doc.on?.[event]?.branches as string[] | undefined;
  // A dispatch or push without a branch filter can run from any branch: model the default one.
  return (branches ?? ['main']).map((branch) => `refs/heads/${branch}`);
}

/** Every combination of dispatch choices (one input each), or one empty set. */
function dispatchInputs(doc: Json): Record<string, string>[] {
  const inputs = (doc.on?.workflow_dispatch?.inputs ?? {}) as Json;
  let combinations: Record<string, string>[] = [{}];
  for (const [name, spec] of Object.entries(inputs)) {
    const options: string[] = (spec as Json).options ?? [String((spec as Json).default ?? '')];
    combinations = combinations.flatMap((combination) =>
      options.map((option) => ({ ...combination, [name]: option })),
    );
  }
  return combinations;
}

/** How each workflow can start, following `workflow_call` back to its callers. */
export function runContextsOf(workflows: readonly Workflow[], workflow: Workflow): RunContext[] {
  const direct = triggers(workflow.doc)
    .filter((event) => event !== 'workflow_call')
    .flatMap((event) =>
      refsOf(workflow.doc, event).flatMap((ref) =>
        (event === 'workflow_dispatch' ? dispatchInputs(workflow.doc) : [{}]).map((inputs) => ({
          event,
          ref,
          inputs,
          via: workflow.file,
        })),
      ),
    );
  if (!triggers(workflow.doc).includes('workflow_call')) return direct;
  const called = workflows.flatMap((caller) =>
    Object.entries((caller.doc.jobs ?? {}) as Json).flatMap(([jobId, job]) => {
      if ((job as Json).uses !== `./.github/workflows/${workflow.file}`) return [];
      return runContextsOf(workflows, caller).map((context) => {
        const expressionContext = contextFor(context, {});
        const inputs: Record<string, string> = {};
        for (const [name, value] of Object.entries(((job as Json).with ?? {}) as Json)) {
          inputs[name] = render(value, expressionContext) ?? '';
        }
        return { ...context, inputs, via: `${context.via} job ${jobId} → ${workflow.file}` };
      });
    }),
  );
  return [...direct, ...called];
}

/** The expression context of a job in one run context. */
export function contextFor(run: RunContext, vars: Readonly<Record<string, string>>): ExpressionContext {
  const context: Record<string, string> = { 'github.event_name': run.event, 'github.ref': run.ref };
  for (const [name, value] of Object.entries(run.inputs)) context[`inputs.${name}`] = value;
  for (const [name, value] of Object.entries(vars)) context[`vars.${name}`] = value;
  return context;
}

/** The GitHub Environment a job declares, rendered in this context. */
export function jobEnvironment(job: Json, context: ExpressionContext): string | undefined {
  const environment = job.environment;
  const name = typeof environment === 'object' && environment !== null ? environment.name : environment;
  const rendered = render(name, context);
  return rendered === '' ? undefined : rendered;
}

/** The OIDC `sub` GitHub issues to a job (docs.github.com, OIDC "Example subject claims"). */
export function subjectOf(repository: string, run: RunContext, environment: string | undefined): string {
  if (environment !== undefined) return `repo:${repository}:environment:${environment}`;
  if (run.event === 'pull_request') return `repo:${repository}:pull_request`;
  return `repo:${repository}:ref:${run.ref}`;
}
