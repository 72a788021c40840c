/** The long-lived environments. Preview stacks borrow one of them (see `previewHost`). */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Fargate size and scaling of one service. */
export interface ServiceSizing {
  /** Task CPU units (256 = 0.25 vCPU). */
  readonly cpu: number;
  /** Task memory in MiB; must be a valid Fargate pairing with `cpu`. */
  readonly memoryMiB: number;
  /** Lower bound of the autoscaling range and the initial desired count. */
  readonly minCount: number;
  /** Upper bound of the autoscaling range. */
  readonly maxCount: number;
  /** Average CPU utilisation that target tracking keeps the service at. */
  readonly cpuTargetPercent: number;
}

export interface DatabaseSettings {
  /** RDS instance type without the `db.` prefix, e.g. `t4g.small`. */
  readonly instanceType: string;
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
}

export interface LoadBalancerSettings {
  /** ACM certificate for HTTPS; without it the public listener is plain HTTP. */
  readonly certificateArn?: string;
  /** Host name users reach (a DNS record you manage); only meaningful with a certificate. */
  readonly domainName?: string;
  /** Port of the CodeDeploy test listener. */
  readonly testListenerPort: number;
  /** Who may reach the test listener (GitHub-hosted runners need the internet at large). */
  readonly testListenerCidrs: readonly string[];
  readonly deletionProtection: boolean;
}

export interface DeliverySettings {
  /** `all-at-once` shifts all traffic at once; `canary` shifts 10 % first, the rest 5 minutes later. */
  readonly strategy: 'all-at-once' | 'canary';
  /** How long a deployment may wait at Ready (test traffic) for ContinueDeployment before it stops. */
  readonly readyWaitMinutes: number;
  /** How long the old task set stays up after the traffic shift, for an instant rollback. */
  readonly terminationWaitMinutes: number;
}

export const GUARD_DUTY_MODES = ['off', 'existing-detector', 'create-detector'] as const;
export type GuardDutyMode = (typeof GUARD_DUTY_MODES)[number];

/** Everything that differs between environments. Built only through `parseEnvironmentConfig`. */
export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  readonly region: string;
  /** Number of availability zones the VPC spans. */
  readonly maxAzs: number;
  readonly vpcCidr: string;
  /** 0 keeps the app subnets isolated; the tasks reach AWS only through VPC endpoints. */
  readonly natGateways: number;
  readonly services: {
    readonly backend: ServiceSizing;
    readonly frontend: ServiceSizing;
    /** Run on FARGATE_SPOT instead of FARGATE. */
    readonly spot: boolean;
  };
  readonly logRetentionDays: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly database: DatabaseSettings;
  readonly loadBalancer: LoadBalancerSettings;
  readonly delivery: DeliverySettings;
  /** Bedrock foundation model ids in `region`. */
  readonly models: { readonly embeddingModelId: string; readonly generationModelId: string };
  /** Share of new traces both services record (TRACE_SAMPLE_RATE); a caller's sampling decision is followed. */
  readonly tracingSampleRate: number;
  /** Email subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /**
   * GuardDuty ECS runtime monitoring. `off`; `existing-detector`: the account's detector (one per
   * account and Region, often managed by the organization) has runtime monitoring on, and the tasks
   * may pull its agent; `create-detector`: this stack also creates that detector, which fails where
   * one exists, so at most one environment per account, and only where there is none.
   */
  readonly guardDuty: GuardDutyMode;
}

/** Per-account settings of the shared stack. */
export interface AccountConfig {
  readonly region: string;
  /** The GitHub repository whose workflows may assume the deploy role. */
  readonly github: {
    readonly owner: string;
    readonly repo: string;
    /** Branch whose pushes may deploy. */
    readonly branch: string;
    /** GitHub Environments whose jobs may deploy. */
    readonly environments: readonly string[];
    /** Allow `pull_request` workflows (preview stacks). */
    readonly pullRequests: boolean;
  };
  /** Create the account's GitHub OIDC provider, or import the existing one by ARN. */
  readonly oidcProvider: { readonly create: true } | { readonly create: false; readonly arn: string };
  readonly registry: {
    /** Days without a pull after which a release image expires (what runs is pulled at every task start). */
    readonly releaseImageDays: number;
    /** Days without a pull after which a `pr-*` image expires. */
    readonly previewImageDays: number;
    /** Days after which untagged images expire. */
    readonly untaggedImageDays: number;
  };
  /** Tag of the image every new environment starts from (pushed once per repository). */
  readonly bootstrapImageTag: string;
  /** Environment whose VPC, cluster, ALB and database the preview stacks borrow. */
  readonly previewHost: EnvironmentName;
}

/** Thrown when configuration cannot describe a deployable system. */
export class ConfigError extends Error {
  constructor(where: string, message: string) {
    super(`Invalid infra config ${where}: ${message}`);
    this.name = 'ConfigError';
  }
}

// Valid Fargate CPU/memory pairings (MiB) for the sizes this product uses.
const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: [4096, 5120, 6144, 7168, 8192, 16384],
  4096: [8192, 12288, 16384, 20480, 24576, 30720],
};

// CloudWatch Logs accepts only these retention periods.
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653];

type Check = (condition: boolean, message: string) => void;

function checker(where: string): Check {
  return (condition, message) => {
    if (!condition) throw new ConfigError(where, message);
  };
}

function checkSizing(check: Check, service: string, sizing: ServiceSizing): void {
  const memories = FARGATE_MEMORY[sizing.cpu];
  check(memories !== undefined, `${service}.cpu ${sizing.cpu} is not a Fargate CPU size`);
  check(
    memories?.includes(sizing.memoryMiB) ?? false,
    `${service}.memoryMiB ${sizing.memoryMiB} is not valid with cpu ${sizing.cpu}`,
  );
  check(
    Number.isInteger(sizing.minCount) && sizing.minCount >= 1,
    `${service}.minCount must be an integer >= 1`,
  );
  check(sizing.maxCount >= sizing.minCount, `${service}.maxCount must be >= minCount`);
  check(
    sizing.cpuTargetPercent > 0 && sizing.cpuTargetPercent <= 100,
    `${service}.cpuTargetPercent must be in (0, 100]`,
  );
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const MODEL_ID = /^[a-z0-9-]+\.[a-z0-9.:-]+$/;

/** Validates an environment config; returns it unchanged so callers keep the literal's type. */
export function parseEnvironmentConfig(config: EnvironmentConfig): EnvironmentConfig {
  const check = checker(`for environment "${config.name}"`);
  check(
    (ENVIRONMENT_NAMES as readonly string[]).includes(config.name),
    `name must be one of ${ENVIRONMENT_NAMES.join(', ')}`,
  );
  check(REGION.test(config.region), `region "${config.region}" is not an AWS region name`);
  check(config.maxAzs >= 2 && config.maxAzs <= 3, 'maxAzs must be 2 or 3 (RDS and the ALB need two AZs)');
  check(CIDR.test(config.vpcCidr), `vpcCidr "${config.vpcCidr}" is not an IPv4 CIDR`);
  check(
    Number.isInteger(config.natGateways) && config.natGateways >= 0 && config.natGateways <= config.maxAzs,
    'natGateways must be between 0 and maxAzs',
  );
  checkSizing(check, 'services.backend', config.services.backend);
  checkSizing(check, 'services.frontend', config.services.frontend);
  check(
    LOG_RETENTION_DAYS.includes(config.logRetentionDays),
    `logRetentionDays ${config.logRetentionDays} is not a CloudWatch Logs retention period`,
  );
  const db = config.database;
  check(
    /^[a-z0-9]+\.[a-z0-9]+$/.test(db.instanceType),
    `database.instanceType "${db.instanceType}" is malformed`,
  );
  check(
    db.backupRetentionDays >= 1 && db.backupRetentionDays <= 35,
    'database.backupRetentionDays must be 1-35',
  );
  check(db.allocatedStorageGiB >= 20, 'database.allocatedStorageGiB must be >= 20');
  check(
    db.maxAllocatedStorageGiB >= db.allocatedStorageGiB,
    'database.maxAllocatedStorageGiB must be >= allocatedStorageGiB',
  );
  const lb = config.loadBalancer;
  check(
    (lb.domainName === undefined) === (lb.certificateArn === undefined),
    'loadBalancer.domainName and loadBalancer.certificateArn go together (the certificate names the domain)',
  );
  check(
    lb.certificateArn === undefined || lb.certificateArn.startsWith(`arn:aws:acm:${config.region}:`),
    'loadBalancer.certificateArn must be an ACM certificate in the environment region',
  );
  check(
    ![80, 443].includes(lb.testListenerPort) && lb.testListenerPort > 0 && lb.testListenerPort < 65536,
    'loadBalancer.testListenerPort must be a port other than 80 and 443',
  );
  check(
    lb.testListenerCidrs.length > 0 && lb.testListenerCidrs.every((c) => CIDR.test(c)),
    'loadBalancer.testListenerCidrs must list IPv4 CIDRs',
  );
  const delivery = config.delivery;
  check(
    delivery.readyWaitMinutes >= 1 && delivery.readyWaitMinutes <= 2880,
    'delivery.readyWaitMinutes must be 1-2880',
  );
  check(
    delivery.terminationWaitMinutes >= 0 && delivery.terminationWaitMinutes <= 2880,
    'delivery.terminationWaitMinutes must be 0-2880',
  );
  check(MODEL_ID.test(config.models.embeddingModelId), 'models.embeddingModelId is not a Bedrock model id');
  check(MODEL_ID.test(config.models.generationModelId), 'models.generationModelId is not a Bedrock model id');
  check(
    config.tracingSampleRate >= 0 && config.tracingSampleRate <= 1,
    'tracingSampleRate must be in [0, 1]',
  );
  check(
    (GUARD_DUTY_MODES as readonly string[]).includes(config.guardDuty),
    `guardDuty must be one of ${GUARD_DUTY_MODES.join(', ')}`,
  );
  if (config.name === 'prod') {
    check(db.multiAz, 'prod needs database.multiAz');
    check(db.deletionProtection, 'prod needs database.deletionProtection');
    check(config.delivery.strategy === 'canary', 'prod deploys with the canary strategy');
  }
  return config;
}

/** Validates the per-account config of the shared stack. */
export function parseAccountConfig(config: AccountConfig): AccountConfig {
  const check = checker('for the account');
  check(REGION.test(config.region), `region "${config.region}" is not an AWS region name`);
  const name = /^[A-Za-z0-9_.-]+$/;
  check(name.test(config.github.owner), 'github.owner is not a GitHub owner name');
  check(name.test(config.github.repo), 'github.repo is not a GitHub repository name');
  check(
    config.github.branch.length > 0 && !config.github.branch.includes('*'),
    'github.branch must be one branch',
  );
  check(
    config.github.environments.every((e) => e.length > 0 && !e.includes('*')),
    'github.environments must be exact environment names (no wildcards)',
  );
  check(
    config.oidcProvider.create ||
      /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/.test(
        config.oidcProvider.arn,
      ),
    'oidcProvider.arn must be the account GitHub OIDC provider ARN',
  );
  check(config.registry.releaseImageDays >= 90, 'registry.releaseImageDays must be >= 90 (rollback targets)');
  check(config.registry.previewImageDays >= 1, 'registry.previewImageDays must be >= 1');
  check(config.registry.untaggedImageDays >= 1, 'registry.untaggedImageDays must be >= 1');
  check(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(config.bootstrapImageTag) &&
      !config.bootstrapImageTag.startsWith('pr-'),
    'bootstrapImageTag must be a Docker tag outside the expiring pr-* range',
  );
  return config;
}

/** Parses a pull request number from CDK context; undefined when absent. */
export function parsePullRequestNumber(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (!/^[1-9]\d{0,5}$/.test(text)) {
    throw new ConfigError('context "pr"', `"${text}" is not a pull request number (1-999999)`);
  }
  return Number(text);
}
