import { parse } from 'yaml';
import { fillAppSpec, renderAppSpec, TASK_DEFINITION_PLACEHOLDER } from './appspec';

describe('appspec', () => {
  it('quotes values so that YAML cannot misread them', () => {
    const text = renderAppSpec(
      {
        taskDefinition: TASK_DEFINITION_PLACEHOLDER,
        containerName: 'no: colon',
        containerPort: 80,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        hooks: [],
      },
      'yaml',
    );
    expect(text).toContain('ContainerName: "no: colon"');
    expect(text).not.toContain('Hooks');
  });

  it('writes the same capacity provider strategy, base included, in YAML and JSON', () => {
    const options = {
      taskDefinition: 'arn:x',
      containerName: 'backend',
      containerPort: 8000,
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
      hooks: [],
    };
    const strategy = (text: string) =>
      parse(text).Resources[0].TargetService.Properties.CapacityProviderStrategy;
    const expected = [
      { Base: 1, CapacityProvider: 'FARGATE', Weight: 1 },
      { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
    ];
    expect(strategy(renderAppSpec(options, 'yaml'))).toEqual(expected);
    expect(strategy(renderAppSpec(options, 'json'))).toEqual(expected);
  });

  it('fills the placeholder once and refuses an AppSpec with two', () => {
    expect(fillAppSpec('TaskDefinition: "<TASK_DEFINITION>"', 'arn:x')).toBe('TaskDefinition: "arn:x"');
    expect(() => fillAppSpec('<TASK_DEFINITION> <TASK_DEFINITION>', 'arn:x')).toThrow(
      'exactly once (found 2)',
    );
  });
});
