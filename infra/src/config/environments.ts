import {
  type AccountConfig,
  type EnvironmentConfig,
  type EnvironmentName,
  parseAccountConfig,
  parseEnvironmentConfig,
} from './environment-config';

const REGION = 'us-east-1';

// Titan Text Embeddings V2 and Llama 3 8B Instruct, both on-demand in us-east-1.
const MODELS = {
  embeddingModelId: 'amazon.titan-embed-text-v2:0',
  generationModelId: 'meta.llama3-8b-instruct-v1:0',
} as const;

const SMALL = { cpu: 512, memoryMiB: 1024, minCount: 1, maxCount: 1, cpuTargetPercent: 70 } as const;
const PROD_SIZE = { cpu: 1024, memoryMiB: 2048, minCount: 2, maxCount: 4, cpuTargetPercent: 70 } as const;
const ANYWHERE = ['0.0.0.0/0'];

// Placeholders like the GitHub owner below: replace the certificate, domain and Cognito domain
// prefix with your own before deploying (docs/operations.md, "Sign-in").
const certificate = (name: string) => ({
  certificateArn: `arn:aws:acm:${REGION}:111122223333:certificate/ragchat-${name}`,
  domainName: name === 'prod' ? 'chat.ragchat.example.com' : `${name}.chat.ragchat.example.com`,
});
const cognito = (name: string) => ({ kind: 'cognito', domainPrefix: `ragchat-${name}-example` }) as const;
const GUARDRAIL = {
  deniedTopics: [
    {
      name: 'Investment advice',
      definition: 'Recommendations on which securities, currencies or other assets to buy or sell.',
    },
  ],
} as const;
const LIMITS = {
  queriesPerDay: 500,
  generatedTokensPerDay: 200_000,
  queryRequestsPer5MinutesPerIp: 300,
  outputTokensPerHourAlarm: 2_000_000,
} as const;

export const account: AccountConfig = parseAccountConfig({
  region: REGION,
  github: {
    owner: 'ragchat',
    repo: 'ragchat',
    branch: 'main',
    environments: ['dev', 'staging', 'prod'],
    pullRequests: true,
  },
  oidcProvider: { create: true },
  registry: { releaseImageDays: 365, previewImageDays: 30, untaggedImageDays: 7 },
  bootstrapImageTag: 'bootstrap',
  previewHost: 'dev',
});

export const environments: Readonly<Record<EnvironmentName, EnvironmentConfig>> = {
  dev: parseEnvironmentConfig({
    name: 'dev',
    region: REGION,
    maxAzs: 2,
    vpcCidr: '10.10.0.0/16',
    natGateways: 0,
    services: { backend: SMALL, frontend: SMALL, spot: true },
    logRetentionDays: 7,
    logLevel: 'debug',
    database: {
      instanceType: 't4g.small',
      multiAz: false,
      deletionProtection: false,
      backupRetentionDays: 1,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 50,
    },
    loadBalancer: {
      ...certificate('dev'),
      testListenerPort: 8443,
      testListenerCidrs: ANYWHERE,
      deletionProtection: false,
    },
    delivery: { strategy: 'all-at-once', readyWaitMinutes: 30, terminationWaitMinutes: 5 },
    models: MODELS,
    tracingSampleRate: 0.2,
    alarmEmails: [],
    signIn: cognito('dev'),
    limits: { ...LIMITS, monthlyBudgetUsd: 50 },
    guardrail: GUARDRAIL,
    guardDuty: 'off',
  }),
  staging: parseEnvironmentConfig({
    name: 'staging',
    region: REGION,
    maxAzs: 2,
    vpcCidr: '10.20.0.0/16',
    natGateways: 0,
    services: { backend: SMALL, frontend: SMALL, spot: false },
    logRetentionDays: 7,
    logLevel: 'info',
    database: {
      instanceType: 't4g.small',
      multiAz: false,
      deletionProtection: false,
      backupRetentionDays: 7,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
    },
    loadBalancer: {
      ...certificate('staging'),
      testListenerPort: 8443,
      testListenerCidrs: ANYWHERE,
      deletionProtection: false,
    },
    delivery: { strategy: 'all-at-once', readyWaitMinutes: 30, terminationWaitMinutes: 15 },
    models: MODELS,
    tracingSampleRate: 0.1,
    alarmEmails: [],
    signIn: cognito('staging'),
    limits: { ...LIMITS, monthlyBudgetUsd: 100 },
    guardrail: GUARDRAIL,
    guardDuty: 'off',
  }),
  prod: parseEnvironmentConfig({
    name: 'prod',
    region: REGION,
    maxAzs: 3,
    vpcCidr: '10.30.0.0/16',
    natGateways: 0,
    services: { backend: PROD_SIZE, frontend: PROD_SIZE, spot: false },
    logRetentionDays: 30,
    logLevel: 'info',
    database: {
      instanceType: 'm7g.large',
      multiAz: true,
      deletionProtection: true,
      backupRetentionDays: 30,
      allocatedStorageGiB: 50,
      maxAllocatedStorageGiB: 500,
    },
    loadBalancer: {
      ...certificate('prod'),
      testListenerPort: 8443,
      testListenerCidrs: ANYWHERE,
      deletionProtection: true,
    },
    delivery: { strategy: 'canary', readyWaitMinutes: 60, terminationWaitMinutes: 60 },
    models: MODELS,
    tracingSampleRate: 0.05,
    // A placeholder like the domain: prod's alarms and budget must notify someone (the config warns otherwise).
    alarmEmails: ['ragchat-alarms@ragchat.example.com'],
    signIn: cognito('prod'),
    limits: { ...LIMITS, monthlyBudgetUsd: 500 },
    guardrail: GUARDRAIL,
    guardDuty: 'existing-detector',
  }),
};
