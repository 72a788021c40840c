import type { DeployOutputsDocument, ServiceOutputs } from '../deploy-outputs/document';
import type { TaskDefinitionTemplate } from './template';

/** What placeholders resolve against, as docs/deploy-contract.md defines it. */
export interface RenderContext {
  readonly outputs: DeployOutputsDocument;
  readonly service: ServiceOutputs;
  /** Image URI per container name. */
  readonly image: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

function lookup(context: RenderContext, path: string): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function resolve(context: RenderContext, path: string): string | number {
  const value = lookup(context, path);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(`Unknown task definition placeholder {{${path}}}`);
  }
  return value;
}

function renderValue(value: unknown, context: RenderContext): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([^{}]+?)\s*\}\}$/.exec(value);
    // A whole-value placeholder keeps the type of what it names (ports are numbers).
    if (whole?.[1] !== undefined) return resolve(context, whole[1]);
    return value.replace(PLACEHOLDER, (_match, path: string) => String(resolve(context, path)));
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, context));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, context)]));
  }
  return value;
}

/** Every `{{path}}` placeholder in a template, in order of appearance. */
export function listPlaceholders(template: unknown): string[] {
  return [...JSON.stringify(template).matchAll(PLACEHOLDER)].map((match) => String(match[1]));
}

/**
 * Renders a template the way the deploy actions do: placeholders resolved, then the service's
 * environment variables merged into its own container (they win over the template's).
 */
export function renderTaskDefinition(
  template: TaskDefinitionTemplate,
  context: RenderContext,
): TaskDefinitionTemplate {
  const rendered = renderValue(template, context) as TaskDefinitionTemplate;
  const { containerName, environment } = context.service;
  if (!rendered.containerDefinitions.some((c) => c.name === containerName)) {
    throw new Error(`Task definition ${rendered.family} has no container named "${containerName}"`);
  }
  const result: TaskDefinitionTemplate = {
    ...rendered,
    containerDefinitions: rendered.containerDefinitions.map((container) => {
      if (container.name !== containerName) return container;
      const merged = new Map((container.environment ?? []).map((e) => [e.name, e.value]));
      for (const [name, value] of Object.entries(environment)) merged.set(name, value);
      return { ...container, environment: [...merged].map(([name, value]) => ({ name, value })) };
    }),
  };
  if (JSON.stringify(result).includes('{{')) {
    throw new Error(`Task definition ${result.family} still contains "{{" after rendering`);
  }
  return result;
}
