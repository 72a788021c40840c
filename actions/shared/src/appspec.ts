import type { CapacityProviderStrategyItem } from '@ragchat/infra/deploy-contract';

/** Placeholder for the task definition ARN; codedeploy-deploy fills it after registering. */
export const TASK_DEFINITION_PLACEHOLDER = '<TASK_DEFINITION>';

export const HOOK_NAMES = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export const APPSPEC_FORMATS = ['yaml', 'json'] as const;
export type AppSpecFormat = (typeof APPSPEC_FORMATS)[number];

export interface AppSpecOptions {
  readonly taskDefinition: string;
  readonly containerName: string;
  readonly containerPort: number;
  /** Without it CodeDeploy launches the replacement tasks as FARGATE, whatever the service uses. */
  readonly capacityProviderStrategy: readonly CapacityProviderStrategyItem[];
  readonly hooks: readonly { readonly hook: HookName; readonly lambda: string }[];
}

/** The CodeDeploy AppSpec for an ECS blue/green deployment, as YAML or JSON text. */
export function renderAppSpec(options: AppSpecOptions, format: AppSpecFormat): string {
  const hooks = options.hooks.map(({ hook, lambda }) => ({ [hook]: lambda }));
  const strategy = options.capacityProviderStrategy.map((item) => ({
    ...(item.base === undefined ? {} : { Base: item.base }),
    CapacityProvider: item.capacityProvider,
    Weight: item.weight,
  }));
  if (format === 'json') {
    const appSpec = {
      version: '0.0',
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: options.taskDefinition,
              LoadBalancerInfo: {
                ContainerName: options.containerName,
                ContainerPort: options.containerPort,
              },
              CapacityProviderStrategy: strategy,
            },
          },
        },
      ],
      ...(hooks.length > 0 ? { Hooks: hooks } : {}),
    };
    return `${JSON.stringify(appSpec, null, 2)}\n`;
  }
  // JSON string literals are valid YAML double-quoted scalars, so quoting through JSON.stringify is safe.
  const q = (value: string): string => JSON.stringify(value);
  const lines = [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: ${q(options.taskDefinition)}`,
    '        LoadBalancerInfo:',
    `          ContainerName: ${q(options.containerName)}`,
    `          ContainerPort: ${options.containerPort}`,
    '        CapacityProviderStrategy:',
    ...strategy.flatMap(({ Base, CapacityProvider, Weight }) => [
      `          - CapacityProvider: ${q(CapacityProvider)}`,
      `            Weight: ${Weight}`,
      ...(Base === undefined ? [] : [`            Base: ${Base}`]),
    ]),
  ];
  if (options.hooks.length > 0) {
    lines.push('Hooks:', ...options.hooks.map(({ hook, lambda }) => `  - ${hook}: ${q(lambda)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Puts the task definition ARN into an AppSpec that holds the placeholder exactly once. */
export function fillAppSpec(content: string, taskDefinitionArn: string): string {
  const count = content.split(TASK_DEFINITION_PLACEHOLDER).length - 1;
  if (count !== 1) {
    throw new Error(`The AppSpec must contain ${TASK_DEFINITION_PLACEHOLDER} exactly once (found ${count})`);
  }
  return content.replace(TASK_DEFINITION_PLACEHOLDER, taskDefinitionArn);
}
