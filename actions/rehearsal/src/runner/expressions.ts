import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { githubActions } from '../vendor/load';

type ExpressionData = ReturnType<InstanceType<ReturnType<typeof githubActions>['Evaluator']>['evaluate']>;

/** What the status functions see: the job (or workflow) state when an `if:` is evaluated. */
export interface StatusState {
  readonly failed: boolean;
  readonly cancelled: boolean;
}

export type Contexts = Readonly<Record<string, unknown>>;

export function toData(value: unknown): ExpressionData {
  const { data } = githubActions();
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData;
}

export function fromData(value: ExpressionData): unknown {
  const { data } = githubActions();
  return JSON.parse(JSON.stringify(value, data.replacer)) as unknown;
}

function statusFunctions(state: StatusState) {
  const { data } = githubActions();
  const fn = (name: string, result: () => boolean) => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(result()),
  });
  return [
    fn('success', () => !state.failed && !state.cancelled),
    fn('failure', () => state.failed && !state.cancelled),
    fn('cancelled', () => state.cancelled),
    fn('always', () => true),
  ];
}

/** Evaluates one expression (without `${{ }}`) with GitHub's lexer, parser and evaluator. */
export function evaluateExpression(expression: string, contexts: Contexts, state: StatusState): unknown {
  const { Lexer, Parser, Evaluator } = githubActions();
  const functions = statusFunctions(state);
  const lexed = new Lexer(expression).lex();
  const tree = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
  const dictionary = toData(contexts);
  const evaluator = new Evaluator(tree, dictionary as never, new Map(functions.map((f) => [f.name, f])));
  return fromData(evaluator.evaluate());
}

/** GitHub's truthiness of an `if:` result. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'string') return value !== '';
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  return value !== null && value !== undefined && value !== false;
}

/** The value of a parsed template token, with every expression in it evaluated. */
export function evaluateToken(
  token: TemplateToken | undefined,
  contexts: Contexts,
  state: StatusState,
): unknown {
  if (token === undefined) return undefined;
  const any = token as unknown as Record<string, any>;
  switch (token.templateTokenType) {
    case 0: // string
      return any.value;
    case 1: // sequence
      return [...(any as Iterable<TemplateToken>)].map((item) => evaluateToken(item, contexts, state));
    case 2: {
      const result: Record<string, unknown> = {};
      for (const pair of any as Iterable<{ key: TemplateToken; value: TemplateToken }>) {
        result[String(evaluateToken(pair.key, contexts, state))] = evaluateToken(pair.value, contexts, state);
      }
      return result;
    }
    case 3:
      return evaluateExpression(any.expression, contexts, state);
    case 5:
    case 6:
      return any.value;
    case 7:
      return null;
    default:
      throw new Error(`unsupported template token type ${token.templateTokenType}`);
  }
}

/** A mapping token's entries as [key, value token] pairs. */
export function entries(token: TemplateToken | undefined): [string, TemplateToken][] {
  if (!token || token.templateTokenType !== 2) return [];
  return [...(token as unknown as Iterable<{ key: { value: string }; value: TemplateToken }>)].map((pair) => [
    String(pair.key.value),
    pair.value,
  ]);
}

export function find(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  return entries(token).find(([name]) => name === key)?.[1];
}

export function items(token: TemplateToken | undefined): TemplateToken[] {
  if (!token || token.templateTokenType !== 1) return [];
  return [...(token as unknown as Iterable<TemplateToken>)];
}

/** Stringifies an evaluated value the way the runner passes inputs and env (JSON for objects). */
export function asString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return String(value);
}
