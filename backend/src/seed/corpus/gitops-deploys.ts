export const gitopsDeploys = {
  slug: 'gitops-deploys',
  title: 'GitOps deployments with GitHub Actions and OIDC',
  topic: 'delivery',
  content: `# GitOps deployments

In a GitOps workflow the Git repository is the single record of what should run. A change reaches
production only by being merged, and every deployment can be traced back to a commit and a review.

A typical pipeline for a container service on AWS looks like this:

1. On every pull request, lint, type-check and run the tests; optionally deploy a short-lived preview
   environment and post its URL on the pull request.
2. On merge to the main branch, build each image once, push it to ECR and record its **digest**.
3. Deploy that exact digest to staging, run smoke tests against it, then promote the same digest to
   production behind a manual approval.

GitHub Actions should reach AWS without long-lived keys. With **OpenID Connect**, the workflow asks
GitHub for a signed token and exchanges it for temporary credentials by assuming an IAM role. The role's
trust policy pins the repository and the branch or environment allowed to assume it, so a workflow in a
fork or on another branch cannot deploy.

Infrastructure changes follow the same path: the infrastructure code is reviewed, synthesized and
checked in CI, and applied by the pipeline rather than from a laptop.
`,
};
