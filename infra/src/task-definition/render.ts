import { type DeployOutputsDocument, renderPlaceholders, type ServiceOutputs } from '../deploy-contract';
import type { ServiceName } from '../naming';
import type { TaskDefinitionTemplate } from './template';

/** What placeholders resolve against, as docs/deploy-contract.md defines it. */
export interface RenderContext {
  readonly outputs: DeployOutputsDocument<ServiceName>;
  readonly service: ServiceOutputs;
  /** Image URI per container name. */
  readonly image: Readonly<Record<string, string>>;
}

/**
 * Renders a template the way the deploy actions do: placeholders resolved, then the service's
 * environment variables merged into its own container (they win over the template's).
 */
export function renderTaskDefinition(
  template: TaskDefinitionTemplate,
  context: RenderContext,
): TaskDefinitionTemplate {
  const rendered = renderPlaceholders(template, context) as TaskDefinitionTemplate;
  const { containerName, environment } = context.service;
  if (!rendered.containerDefinitions.some((c) => c.name === containerName)) {
    throw new Error(`Task definition ${rendered.family} has no container named "${containerName}"`);
  }
  return {
    ...rendered,
    containerDefinitions: rendered.containerDefinitions.map((container) => {
      if (container.name !== containerName) return container;
      const merged = new Map((container.environment ?? []).map((e) => [e.name, e.value]));
      for (const [name, value] of Object.entries(environment)) merged.set(name, value);
      return { ...container, environment: [...merged].map(([name, value]) => ({ name, value })) };
    }),
  };
}
