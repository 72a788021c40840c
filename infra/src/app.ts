import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  ConfigError,
  ENVIRONMENT_NAMES,
  type EnvironmentName,
  parsePullRequestNumber,
} from './config/environment-config';
import { account, environments } from './config/environments';
import { stackNames } from './naming';
import { EnvironmentStack } from './stacks/environment-stack';
import { PreviewStack } from './stacks/preview-stack';
import { SharedStack } from './stacks/shared-stack';

export interface RagchatApp {
  readonly shared: SharedStack;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentStack>>;
  /** Present when the `pr` context value is set. */
  readonly preview?: PreviewStack;
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`context "${key}"`, 'must be a non-empty string');
  return value;
}

/**
 * Synthesis without credentials targets this placeholder account, whose availability zones are
 * committed in cdk.context.json, so nothing needs AWS.
 */
export const PLACEHOLDER_ACCOUNT = '111122223333';

/**
 * Adds every stack to the app. The account is the `account` context value, else the CLI's
 * credentials (CDK_DEFAULT_ACCOUNT), else the placeholder. Context `pr` adds that pull request's
 * preview stack, `backendImageDigest` / `frontendImageDigest` pick its images. Environment stacks
 * read no per-deploy context at all.
 */
export function buildRagchatApp(app: App): RagchatApp {
  const accountId = contextString(app, 'account') ?? process.env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT;
  if (!/^\d{12}$/.test(accountId)) {
    throw new ConfigError('context "account"', `"${accountId}" is not a 12-digit AWS account id`);
  }
  const env = { account: accountId, region: account.region };
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  Tags.of(app).add('project', 'ragchat');

  const shared = new SharedStack(app, stackNames.shared, {
    env,
    account,
    description: 'ragchat: ECR and GitHub deploy access',
  });
  const stacks = {} as Record<EnvironmentName, EnvironmentStack>;
  for (const name of ENVIRONMENT_NAMES) {
    const config = environments[name];
    const stack = new EnvironmentStack(app, stackNames.environment(name), {
      env: { account: accountId, region: config.region },
      config,
      bootstrapImageTag: account.bootstrapImageTag,
      hostsPreviews: account.github.pullRequests && name === account.previewHost,
      description: `ragchat ${name} environment`,
      terminationProtection: name === 'prod',
    });
    stack.addStackDependency(shared);
    Tags.of(stack).add('environment', name);
    stacks[name] = stack;
  }

  const pr = parsePullRequestNumber(app.node.tryGetContext('pr'));
  if (pr === undefined) return { shared, environments: stacks };
  const host = environments[account.previewHost];
  const preview = new PreviewStack(app, stackNames.preview(pr), {
    env: { account: accountId, region: host.region },
    pr,
    host,
    hostAvailabilityZones: stacks[account.previewHost].network.vpc.availabilityZones,
    imageDigests: {
      backend: contextString(app, 'backendImageDigest'),
      frontend: contextString(app, 'frontendImageDigest'),
    },
    bootstrapImageTag: account.bootstrapImageTag,
    description: `ragchat preview of pull request #${pr}`,
  });
  return { shared, environments: stacks, preview };
}
