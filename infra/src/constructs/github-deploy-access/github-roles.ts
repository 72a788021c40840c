/**
 * The three roles GitHub Actions assume. The shared stack outputs each ARN as `<output>`; the
 * repository variable holding it is `AWS_<OUTPUT in upper snake case>` (docs/operations.md).
 */
export const GITHUB_ROLES = {
  /** pull_request runs: previews only. */
  preview: { roleName: 'ragchat-github-preview', output: 'PreviewRoleArn', maxSessionDurationSeconds: 7200 },
  /** main: image builds, dev and staging. */
  release: {
    roleName: 'ragchat-github-release',
    output: 'ReleaseRoleArn',
    maxSessionDurationSeconds: 21_600,
  },
  /** The prod environment. */
  prod: { roleName: 'ragchat-github-prod', output: 'ProdRoleArn', maxSessionDurationSeconds: 21_600 },
} as const;

/**
 * The CloudFormation service role preview stacks are deployed with, and the permissions boundary
 * of every role a preview stack creates. Neither name matches `ragchat-pr-*`, so nothing a
 * preview may change can change them. preview.yml passes the deployer to `cdk deploy --role-arn`.
 */
export const PREVIEW_DEPLOYER_ROLE_NAME = 'ragchat-preview-deployer';
export const PREVIEW_BOUNDARY_POLICY_NAME = 'ragchat-preview-boundary';
