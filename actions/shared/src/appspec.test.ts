import { fillAppSpec, renderAppSpec, TASK_DEFINITION_PLACEHOLDER } from './appspec';

describe('appspec', () => {
  it('quotes values so that YAML cannot misread them', () => {
    const text = renderAppSpec(
      {
        taskDefinition: TASK_DEFINITION_PLACEHOLDER,
        containerName: 'no: colon',
        containerPort: 80,
        hooks: [],
      },
      'yaml',
    );
    expect(text).toContain('ContainerName: "no: colon"');
    expect(text).not.toContain('Hooks');
  });

  it('fills the placeholder once and refuses an AppSpec with two', () => {
    expect(fillAppSpec('TaskDefinition: "<TASK_DEFINITION>"', 'arn:x')).toBe('TaskDefinition: "arn:x"');
    expect(() => fillAppSpec('<TASK_DEFINITION> <TASK_DEFINITION>', 'arn:x')).toThrow(
      'exactly once (found 2)',
    );
  });
});
