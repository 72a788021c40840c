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
 * stand-ins naming their resource, e.g. `<AdminToken1234.Ref>`, so two secrets never collide; where
 * the services validate a value's shape (the load balancer ARN, a URL's host name) the stand-in has it.
 */
export function synthesizedDeployOutputs(name: EnvironmentName): string {
  const config = environments[name];
  const stack = new EnvironmentStack(testApp(), stackNames.environment(name), {
    env: { account: PLACEHOLDER_ACCOUNT, region: config.region },
    config,
    bootstrapImageTag: account.bootstrapImageTag,
  });
  const template = Template.fromStack(stack);
  const parameters = Object.values(template.findResources('AWS::SSM::Parameter')).filter((resource) =>
    String(resource.Properties?.Name).endsWith('/deploy-outputs'),
  );
  if (parameters.length !== 1)
    throw new Error(`${stack.stackName} has ${parameters.length} deploy outputs parameters`);
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  const ref = (id: string): string => {
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    const type = resources[id]?.Type;
    if (type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')
      return `arn:aws:elasticloadbalancing:${config.region}:${PLACEHOLDER_ACCOUNT}:loadbalancer/app/${id}/0123456789abcdef`;
    // Becomes a host name label (the key endpoint is https://<api id>.execute-api...).
    if (type === 'AWS::ApiGateway::RestApi') return id.toLowerCase();
    return `<${id}.Ref>`;
  };
  return resolveIntrinsics(parameters[0]?.Properties?.Value, ref);
}

function resolveIntrinsics(value: unknown, ref: (id: string) => string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const [[intrinsic, argument]] = Object.entries(value) as [[string, unknown]];
    if (intrinsic === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => resolveIntrinsics(part, ref)).join(separator);
    }
    if (intrinsic === 'Ref') return ref(String(argument));
    if (intrinsic === 'Fn::GetAtt') return `<${(argument as string[]).join('.')}>`;
  }
  throw new Error(
    `The deploy outputs use an intrinsic the images test cannot stand in for: ${JSON.stringify(value)}`,
  );
}
