// What render-deployment imports, through the package export its bundle inlines.
import { renderPlaceholders } from '@ragchat/infra/deploy-contract';
import { renderTaskDefinition } from '../../src/task-definition/render';
import type { TaskDefinitionTemplate } from '../../src/task-definition/template';

// CDK renders each service's first task definition revision and render-deployment every later one,
// from the same template: both must read a template the same way.
const service = { containerName: 'backend', environment: {}, readOnly: true, containerPort: 8000 };
const context = { outputs: { region: 'eu-west-1' }, service, image: {} };
const template = (container: Record<string, unknown>) =>
  ({
    family: 'f',
    containerDefinitions: [{ name: 'backend', image: 'i', ...container }],
  }) as unknown as TaskDefinitionTemplate;

function outcome(render: () => unknown): unknown {
  try {
    return { rendered: render() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

// Only the field under test is compared: CDK's renderer also merges service.environment.
const field = (rendered: unknown, key: string) =>
  ((rendered as TaskDefinitionTemplate).containerDefinitions[0] as unknown as Record<string, unknown>)[key];
const infra = (value: TaskDefinitionTemplate, key: string) =>
  outcome(() => field(renderTaskDefinition(value, context as never), key));
const actions = (value: TaskDefinitionTemplate, key: string) =>
  outcome(() => field(renderPlaceholders(value, context), key));

describe('the CDK and render-deployment renderers', () => {
  it.each([
    ['a boolean whole-value placeholder', { readonlyRootFilesystem: '{{service.readOnly}}' }],
    ['an empty placeholder', { image: '{{}}' }],
    ['a number whole-value placeholder', { cpu: '{{service.containerPort}}' }],
  ])('agree on %s', (_name, container) => {
    const [key] = Object.keys(container) as [string];
    expect(infra(template(container), key)).toEqual(actions(template(container), key));
  });
});
