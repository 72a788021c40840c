/**
 * A model of how the runner evaluates a step's `if:` (GitHub docs, "Evaluate expressions in
 * workflows and actions"): `==`, `!=`, `&&`, `||`, `!`, parentheses, string literals, context
 * paths, and the status check functions. A condition without a status function gets an implicit
 * `success() &&`. A job that hits `timeout-minutes` is cancelled ("GitHub automatically cancels
 * it"), so a timeout is `cancelled`.
 */
export interface StepContext {
  /** `failure`: an earlier step failed; `cancelled`: the job was cancelled or timed out. */
  readonly job: 'success' | 'failure' | 'cancelled';
  /** `steps.<id>.outcome` and `steps.<id>.outputs.<name>`; a step that never ran is absent. */
  readonly steps: Readonly<
    Record<string, { readonly outcome?: string; readonly outputs?: Readonly<Record<string, string>> }>
  >;
}

type Value = string | boolean;
const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

export function evaluateCondition(condition: string | undefined, context: StepContext): boolean {
  const expression = (condition ?? '').replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1').trim();
  const usesStatus = STATUS_FUNCTIONS.some((name) => new RegExp(`\\b${name}\\(\\)`).test(expression));
  const value = expression === '' ? true : truthy(new Parser(expression, context).parse());
  return usesStatus ? value : context.job === 'success' && value;
}

const truthy = (value: Value): boolean => value !== false && value !== '';

class Parser {
  private readonly tokens: string[];
  private index = 0;

  constructor(
    text: string,
    private readonly context: StepContext,
  ) {
    this.tokens = text.match(/'(?:[^']|'')*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][\w.-]*(?:\(\))?/g) ?? [];
  }

  parse(): Value {
    const value = this.or();
    if (this.index !== this.tokens.length) throw new Error(`unexpected '${this.tokens[this.index]}'`);
    return value;
  }

  private or(): Value {
    let left = this.and();
    while (this.accept('||')) {
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.accept('&&')) {
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    const left = this.unary();
    if (this.accept('==')) return String(left) === String(this.unary());
    if (this.accept('!=')) return String(left) !== String(this.unary());
    return left;
  }

  private unary(): Value {
    if (this.accept('!')) return !truthy(this.unary());
    if (this.accept('(')) {
      const value = this.or();
      if (!this.accept(')')) throw new Error('missing )');
      return value;
    }
    const token = this.tokens[this.index++];
    if (token === undefined) throw new Error('unexpected end of expression');
    if (token.startsWith("'")) return token.slice(1, -1).replaceAll("''", "'");
    if (token.endsWith('()')) return this.status(token.slice(0, -2));
    return this.lookup(token);
  }

  private status(name: string): boolean {
    const { job } = this.context;
    if (name === 'always') return true;
    if (name === 'success') return job === 'success';
    if (name === 'failure') return job === 'failure';
    if (name === 'cancelled') return job === 'cancelled';
    throw new Error(`unknown function ${name}()`);
  }

  private lookup(path: string): string {
    const [root, id, kind, name] = path.split('.');
    if (root !== 'steps' || id === undefined) throw new Error(`unsupported context ${path}`);
    const step = this.context.steps[id];
    if (kind === 'outcome') return step?.outcome ?? '';
    if (kind === 'outputs' && name !== undefined) return step?.outputs?.[name] ?? '';
    throw new Error(`unsupported context ${path}`);
  }

  private accept(token: string): boolean {
    if (this.tokens[this.index] !== token) return false;
    this.index++;
    return true;
  }
}
