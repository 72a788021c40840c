import type { EnvironmentName } from './config/environment-config';

/** The two application services and their fixed container contract. */
export const SERVICES = {
  backend: { containerName: 'backend', containerPort: 8000, healthPath: '/health' },
  frontend: { containerName: 'frontend', containerPort: 3000, healthPath: '/health' },
} as const;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES: readonly ServiceName[] = ['backend', 'frontend'];

/** ECR repositories shared by every environment of the account. */
export const REPOSITORY_NAMES: Readonly<Record<ServiceName, string>> = {
  backend: 'ragchat/backend',
  frontend: 'ragchat/frontend',
};

/**
 * ECR repositories of pull request preview images, apart from the release repositories so that
 * a pull request can never write an image, a tag or the build cache a release uses.
 */
export const PREVIEW_REPOSITORY_NAMES: Readonly<Record<ServiceName, string>> = {
  backend: 'ragchat-pr/backend',
  frontend: 'ragchat-pr/frontend',
};

/** Bucket of preview stacks' templates and file assets (placeholders as the CDK synthesizers take them). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: CDK's placeholder syntax, not a JS template
export const PREVIEW_ASSETS_BUCKET = 'ragchat-pr-assets-${AWS::AccountId}-${AWS::Region}';

/** {@link PREVIEW_ASSETS_BUCKET} in one account and region. */
export function previewAssetsBucketName(account: string, region: string): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CDK's placeholder syntax, not a JS template
  return PREVIEW_ASSETS_BUCKET.replace('${AWS::AccountId}', account).replace('${AWS::Region}', region);
}

/** Stack names; the preview stack name carries the pull request number. */
export const stackNames = {
  shared: 'ragchat-shared',
  environment: (env: EnvironmentName) => `ragchat-${env}`,
  preview: (pr: number) => `ragchat-pr-${pr}`,
};

/**
 * Physical names of one deployment (an environment or `pr-<n>`). They are literal so the deploy role
 * can be scoped to them and the deploy outputs stay readable.
 */
export function resourceNames(deployment: string) {
  const prefix = `ragchat-${deployment}`;
  return {
    prefix,
    cluster: prefix,
    codeDeployApplication: prefix,
    executionRole: `${prefix}-execution`,
    databaseSecret: `${prefix}-db`,
    adminTokenSecret: `${prefix}-admin`,
    /** Value of the header that lets automation (the smoke test) past the test listener's sign-in. */
    automationSecret: `${prefix}-automation`,
    namespace: `${prefix}.local`,
    alarmTopic: `${prefix}-alarms`,
    /** Provider function of the preview databases (in the environment that hosts previews). */
    previewDatabaseProvider: `${prefix}-preview-database`,
    service: (service: ServiceName) => `${prefix}-${service}`,
    taskFamily: (service: ServiceName) => `${prefix}-${service}`,
    taskRole: (service: ServiceName) => `${prefix}-${service}-task`,
    deploymentGroup: (service: ServiceName) => `${prefix}-${service}`,
    logGroup: (service: ServiceName) => `/ragchat/${deployment}/${service}`,
  };
}

/** SSM parameter names; the deploy outputs one is part of docs/deploy-contract.md. */
export const parameterNames = {
  /** An environment's, or a preview's (`pr-<n>`: the smoke test's way in, no CodeDeploy). */
  deployOutputs: (deployment: EnvironmentName | `pr-${number}`) => `/ragchat/${deployment}/deploy-outputs`,
  previewUrl: (pr: number) => `/ragchat/pr-${pr}/preview-url`,
  /** Attributes of an environment that preview stacks borrow. */
  previewHost: (env: EnvironmentName, key: string) => `/ragchat/${env}/preview-host/${key}`,
};
