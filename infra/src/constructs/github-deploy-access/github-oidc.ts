import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';
/** The audience configure-aws-credentials requests by default. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

export interface GithubOidcProps {
  readonly owner: string;
  readonly repo: string;
  /**
   * ARN of the account's existing GitHub OIDC provider; one is created when absent.
   * @default - a new provider for token.actions.githubusercontent.com
   */
  readonly existingProviderArn?: string;
}

/**
 * The account's GitHub OIDC provider (an account has at most one per issuer) and the trust every
 * GitHub role uses: this repository's tokens for STS, with an exact `sub`.
 */
export class GithubOidc extends Construct {
  public readonly provider: iam.IOpenIdConnectProvider;
  private readonly repository: string;

  constructor(scope: Construct, id: string, props: GithubOidcProps) {
    super(scope, id);
    this.repository = `repo:${props.owner}/${props.repo}`;
    this.provider = props.existingProviderArn
      ? iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'Provider', props.existingProviderArn)
      : new iam.OidcProviderNative(this, 'Provider', {
          url: `https://${GITHUB_OIDC_ISSUER}`,
          clientIds: [GITHUB_OIDC_AUDIENCE],
        });
  }

  /** `sub` of pull_request runs. */
  pullRequestSubject(): string {
    return `${this.repository}:pull_request`;
  }

  /** `sub` of jobs without an environment on a branch. */
  branchSubject(branch: string): string {
    return `${this.repository}:ref:refs/heads/${branch}`;
  }

  /** `sub` of jobs that declare a GitHub Environment. */
  environmentSubject(environment: string): string {
    return `${this.repository}:environment:${environment}`;
  }

  /**
   * Trust for exactly these subjects. StringEquals, not ForAnyValue: `sub` and `aud` are
   * single-valued (IAM User Guide, "Single-valued vs. multivalued context keys").
   */
  principal(subjects: readonly string[]): iam.WebIdentityPrincipal {
    if (subjects.length === 0) throw new Error('GithubOidc: a role must trust at least one subject');
    for (const subject of subjects) {
      if (!subject.startsWith(`${this.repository}:`) || /[*?]/.test(subject)) {
        throw new Error(`GithubOidc: "${subject}" is not an exact subject of ${this.repository}`);
      }
    }
    return new iam.WebIdentityPrincipal(this.provider.openIdConnectProviderArn, {
      StringEquals: {
        [`${GITHUB_OIDC_ISSUER}:aud`]: GITHUB_OIDC_AUDIENCE,
        [`${GITHUB_OIDC_ISSUER}:sub`]: [...subjects],
      },
    });
  }
}
