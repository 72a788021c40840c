import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AccountConfig } from '../config/environment-config';
import { GithubDeployAccess } from '../constructs/github-deploy-access/github-deploy-access';
import { Registry } from '../constructs/registry/registry';

export interface SharedStackProps extends StackProps {
  readonly account: AccountConfig;
}

/** What every environment of the account shares: the image repositories and GitHub's way in. */
export class SharedStack extends Stack {
  public readonly registry: Registry;
  public readonly deployAccess: GithubDeployAccess;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id, props);
    const { account } = props;
    this.registry = new Registry(this, 'Registry', {
      bootstrapImageTag: account.bootstrapImageTag,
      releaseImageDays: account.registry.releaseImageDays,
      previewImageDays: account.registry.previewImageDays,
      untaggedImageDays: account.registry.untaggedImageDays,
    });
    this.deployAccess = new GithubDeployAccess(this, 'GithubDeploy', {
      owner: account.github.owner,
      repo: account.github.repo,
      branch: account.github.branch,
      environments: account.github.environments,
      pullRequests: account.github.pullRequests,
      existingProviderArn: account.oidcProvider.create ? undefined : account.oidcProvider.arn,
      repositories: Object.values(this.registry.repositories),
    });
    new CfnOutput(this, 'DeployRoleArn', { value: this.deployAccess.role.roleArn });
    for (const [service, repository] of Object.entries(this.registry.repositories)) {
      new CfnOutput(this, `${service}RepositoryUri`, { value: repository.repositoryUri });
    }
  }
}
