import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges AwsSolutions-IAM5 for exactly the listed wildcard resources (cdk-nag reports one
 * finding per wildcard resource), so a new wildcard elsewhere still fails synthesis.
 */
export function acknowledgeWildcards(scope: IConstruct, resources: readonly string[], reason: string): void {
  const findings = resources.filter((resource) => resource.includes('*'));
  Validations.of(scope).acknowledge(
    ...findings.map((resource) => ({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason })),
  );
}

/** Acknowledges AwsSolutions-IAM4 for exactly the listed AWS managed policies. */
export function acknowledgeManagedPolicies(
  scope: IConstruct,
  policyNames: readonly string[],
  reason: string,
): void {
  Validations.of(scope).acknowledge(
    ...policyNames.map((name) => ({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`,
      reason,
    })),
  );
}
