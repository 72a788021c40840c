/**
 * Task definition template placeholders (docs/deploy-contract.md): `{{path}}`, resolved against a
 * context `{ outputs, service, image }`. CDK renders a service's first revision with this and
 * render-deployment every later one, so both read a template the same way.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}]*?)\s*\}\}$/;

/** Looks a dotted path up in the context; only own properties count, so `toString` is unknown. */
function resolve(context: unknown, path: string): unknown {
  let value: unknown = context;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      throw new Error(`Unknown placeholder {{${path}}} in the task definition template`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function renderString(text: string, context: unknown): unknown {
  const whole = WHOLE_PLACEHOLDER.exec(text);
  if (whole) {
    // A value that is only a placeholder keeps the type of what it resolves to (e.g. a port number).
    const value = resolve(context, whole[1] ?? '');
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    throw new Error(
      `Placeholder {{${whole[1]}}} resolves to a ${value === null ? 'null' : typeof value}, not a value`,
    );
  }
  return text.replace(PLACEHOLDER, (_match, path: string) => {
    const value = resolve(context, path);
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new Error(`Placeholder {{${path}}} inside a string must resolve to a string or number`);
  });
}

/** Replaces every `{{path}}` in the template's strings; fails if any `{{` would remain. */
export function renderPlaceholders(template: unknown, context: unknown): unknown {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return renderString(node, context);
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
    }
    return node;
  };
  const rendered = walk(template);
  const leftover = /\{\{[^"]*/.exec(JSON.stringify(rendered));
  if (leftover) throw new Error(`The rendered task definition still contains '${leftover[0]}'`);
  return rendered;
}

/** Every `{{path}}` placeholder in a template, in order of appearance. */
export function listPlaceholders(template: unknown): string[] {
  return [...JSON.stringify(template).matchAll(PLACEHOLDER)].map((match) => String(match[1]));
}
