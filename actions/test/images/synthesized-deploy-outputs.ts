import { Template } from 'aws-cdk-lib/assertions';
import { PLACEHOLDER_ACCOUNT } from '../../../infra/src/app';
import type { EnvironmentName } from '../../../infra/src/config/environment-config';
import { account, environments } from '../../../infra/src/config/environments';
import { stackNames } from '../../../infra/src/naming';
import { EnvironmentStack } from '../../../infra/src/stacks/environment-stack';
import { testApp } from '../../../infra/test/support/app';

/**
 * The deploy outputs document an environment stack writes to SSM, from the synthesized template:
 * what `render-deployment` reads in a real deploy, including the per-service environment that infra
 * composes. Values CloudFormation would resolve at deploy time (ARNs, DNS names) become distinct
 * stand-ins naming their resource, e.g. `<AdminToken1234.Ref>`, so two secrets never collide.
 */
export function synthesizedDeployOutputs(name: EnvironmentName): string {
  const config = environments[name];
  const stack = new EnvironmentStack(testApp(), stackNames.environment(name), {
    env: { account: PLACEHOLDER_ACCOUNT, region: config.region },
    config,
    bootstrapImageTag: account.bootstrapImageTag,
  });
  const parameters = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter')).filter(
    (resource) => String(resource.Properties?.Name).endsWith('/deploy-outputs'),
  );
  if (parameters.length !== 1)
    throw new Error(`${stack.stackName} has ${parameters.length} deploy outputs parameters`);
  return resolveIntrinsics(parameters[0]?.Properties?.Value);
}

function resolveIntrinsics(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const [[intrinsic, argument]] = Object.entries(value) as [[string, unknown]];
    if (intrinsic === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map(resolveIntrinsics).join(separator);
    }
    if (intrinsic === 'Ref') return `<${String(argument)}.Ref>`;
    if (intrinsic === 'Fn::GetAtt') return `<${(argument as string[]).join('.')}>`;
  }
  throw new Error(
    `The deploy outputs use an intrinsic the images test cannot stand in for: ${JSON.stringify(value)}`,
  );
}
