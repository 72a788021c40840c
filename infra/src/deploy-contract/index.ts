// The deploy contract between infra and the deploy actions (docs/deploy-contract.md), exported as
// `@ragchat/infra/deploy-contract`. It must stay free of aws-cdk-lib: the actions' bundles inline it.
export * from './deploy-outputs';
export * from './placeholders';
