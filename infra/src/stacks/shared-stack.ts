import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AccountConfig } from '../config/environment-config';
import { GithubDeployRole } from '../constructs/github-deploy-access/deploy-role';
import { GithubOidc } from '../constructs/github-deploy-access/github-oidc';
import { GITHUB_ROLES } from '../constructs/github-deploy-access/github-roles';
import { GithubPreviewAccess } from '../constructs/github-deploy-access/preview-access';
import { PreviewArtifacts } from '../constructs/preview-artifacts/preview-artifacts';
import { Registry } from '../constructs/registry/registry';
import { previewAssetsBucketName } from '../naming';

export interface SharedStackProps extends StackProps {
  readonly account: AccountConfig;
}

/** The environment GitHub Environment that deploys to prod; every other configured one is released from main. */
const PROD_ENVIRONMENT = 'prod';

/**
 * What every environment of the account shares: the image repositories, what previews build
 * into, and GitHub's three ways in (preview, release, prod).
 */
export class SharedStack extends Stack {
  public readonly registry: Registry;
  public readonly previewArtifacts: PreviewArtifacts;
  public readonly oidc: GithubOidc;
  public readonly previewAccess?: GithubPreviewAccess;
  public readonly releaseRole: GithubDeployRole;
  public readonly prodRole: GithubDeployRole;

  constructor(scope: Construct, id: string, props: SharedStackProps) {
    super(scope, id, props);
    const { account } = props;
    const { github } = account;
    this.registry = new Registry(this, 'Registry', {
      bootstrapImageTag: account.bootstrapImageTag,
      releaseImageDays: account.registry.releaseImageDays,
      untaggedImageDays: account.registry.untaggedImageDays,
    });
    this.previewArtifacts = new PreviewArtifacts(this, 'PreviewArtifacts', {
      imageDays: account.registry.previewImageDays,
      untaggedImageDays: account.registry.untaggedImageDays,
    });
    this.oidc = new GithubOidc(this, 'GithubOidc', {
      owner: github.owner,
      repo: github.repo,
      existingProviderArn: account.oidcProvider.create ? undefined : account.oidcProvider.arn,
    });
    const releaseRepositories = Object.values(this.registry.repositories);

    const releaseEnvironments = github.environments.filter((e) => e !== PROD_ENVIRONMENT);
    this.releaseRole = new GithubDeployRole(this, 'GithubRelease', {
      oidc: this.oidc,
      roleName: GITHUB_ROLES.release.roleName,
      subjects: [
        this.oidc.branchSubject(github.branch),
        ...releaseEnvironments.map((e) => this.oidc.environmentSubject(e)),
      ],
      environments: releaseEnvironments,
      repositories: releaseRepositories,
      pushImages: true,
      maxSessionDuration: Duration.seconds(GITHUB_ROLES.release.maxSessionDurationSeconds),
    });
    this.prodRole = new GithubDeployRole(this, 'GithubProd', {
      oidc: this.oidc,
      roleName: GITHUB_ROLES.prod.roleName,
      subjects: [this.oidc.environmentSubject(PROD_ENVIRONMENT)],
      environments: [PROD_ENVIRONMENT],
      repositories: releaseRepositories,
      maxSessionDuration: Duration.seconds(GITHUB_ROLES.prod.maxSessionDurationSeconds),
    });
    new CfnOutput(this, GITHUB_ROLES.release.output, { value: this.releaseRole.role.roleArn });
    new CfnOutput(this, GITHUB_ROLES.prod.output, { value: this.prodRole.role.roleArn });

    if (github.pullRequests) {
      this.previewAccess = new GithubPreviewAccess(this, 'GithubPreview', {
        oidc: this.oidc,
        roleName: GITHUB_ROLES.preview.roleName,
        maxSessionDuration: Duration.seconds(GITHUB_ROLES.preview.maxSessionDurationSeconds),
        previewHost: account.previewHost,
        previewRepositories: Object.values(this.previewArtifacts.repositories),
        assetsBucketName: previewAssetsBucketName(this.account, this.region),
        releaseRepositories,
      });
      new CfnOutput(this, GITHUB_ROLES.preview.output, { value: this.previewAccess.role.roleArn });
    }
    for (const [service, repository] of Object.entries(this.registry.repositories)) {
      new CfnOutput(this, `${service}RepositoryUri`, { value: repository.repositoryUri });
    }
  }
}
