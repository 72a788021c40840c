// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are GitHub Actions expressions, not JS templates
import { evaluate, render } from './workflows';

// GitHub's expression semantics the credentials test relies on (docs.github.com, "Evaluate
// expressions in workflows and actions": && and || return an operand, '' is falsy, == ignores case).
describe('the workflow expression evaluator', () => {
  const context = {
    'inputs.environment': 'prod',
    'github.event_name': 'pull_request',
    'vars.A': 'role-a',
    'vars.B': 'role-b',
  };

  it.each([
    ["inputs.environment == 'prod' && vars.A || vars.B", 'role-a'],
    ["inputs.environment == 'staging' && vars.A || vars.B", 'role-b'],
    [
      "github.event_name == 'PULL_REQUEST' && 'ragchat-pr/backend' || 'ragchat/backend'",
      'ragchat-pr/backend',
    ],
    ['vars.MISSING || vars.B', 'role-b'],
    ["vars.MISSING && 'x'", ''],
    ["!(github.event_name == 'push')", 'true'],
    ["'it''s'", "it's"],
  ])('%s → %p', (expression, expected) => {
    expect(evaluate(expression, context)).toBe(expected);
  });

  it('renders expressions inside text and leaves plain values alone', () => {
    expect(render('ragchat-${{ inputs.environment }}-x', context)).toBe('ragchat-prod-x');
    expect(render(7200, context)).toBe('7200');
    expect(render(undefined, context)).toBeUndefined();
  });

  it('refuses syntax it does not implement instead of guessing', () => {
    expect(() => evaluate("contains(vars.A, 'a')", context)).toThrow(/Unsupported|Unexpected/);
  });
});
