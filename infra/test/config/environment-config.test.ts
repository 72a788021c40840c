import {
  type AccountConfig,
  ConfigError,
  type EnvironmentConfig,
  parseAccountConfig,
  parseEnvironmentConfig,
  parsePullRequestNumber,
} from '../../src/config/environment-config';
import { account, environments } from '../../src/config/environments';

const base: EnvironmentConfig = environments.staging;
const withChange = (change: Partial<EnvironmentConfig>): EnvironmentConfig => ({ ...base, ...change });

describe('environment configs', () => {
  it('match the parity table: sizes, AZs, log retention, database and delivery per environment', () => {
    const { dev, staging, prod } = environments;
    for (const env of [dev, staging]) {
      expect(env.maxAzs).toBe(2);
      expect(env.logRetentionDays).toBe(7);
      expect(env.services.backend).toMatchObject({ cpu: 512, memoryMiB: 1024, minCount: 1, maxCount: 1 });
      expect(env.database).toMatchObject({ multiAz: false, deletionProtection: false });
      expect(env.delivery.strategy).toBe('all-at-once');
    }
    expect(prod.maxAzs).toBe(3);
    expect(prod.logRetentionDays).toBe(30);
    for (const service of [prod.services.backend, prod.services.frontend]) {
      expect(service).toMatchObject({
        cpu: 1024,
        memoryMiB: 2048,
        minCount: 2,
        maxCount: 4,
        cpuTargetPercent: 70,
      });
    }
    expect(prod.database).toMatchObject({ multiAz: true, deletionProtection: true });
    expect(prod.database.backupRetentionDays).toBeGreaterThan(staging.database.backupRetentionDays);
    expect(prod.delivery.strategy).toBe('canary');
  });

  it.each([
    [
      'an invalid Fargate memory size',
      withChange({ services: { ...base.services, backend: { ...base.services.backend, memoryMiB: 700 } } }),
      /memoryMiB 700/,
    ],
    ['a single AZ', withChange({ maxAzs: 1 }), /maxAzs/],
    ['more NAT gateways than AZs', withChange({ natGateways: 3 }), /natGateways/],
    ['a retention CloudWatch does not offer', withChange({ logRetentionDays: 10 }), /logRetentionDays 10/],
    [
      'a domain without a certificate',
      withChange({ loadBalancer: { ...base.loadBalancer, certificateArn: undefined } }),
      /are required/,
    ],
    [
      'a certificate without a domain',
      withChange({ loadBalancer: { ...base.loadBalancer, domainName: undefined } }),
      /are required/,
    ],
    [
      'a certificate from another region',
      withChange({
        loadBalancer: {
          ...base.loadBalancer,
          domainName: 'chat.example.com',
          certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/x',
        },
      }),
      /region/,
    ],
    [
      'a test listener on port 443',
      withChange({ loadBalancer: { ...base.loadBalancer, testListenerPort: 443 } }),
      /testListenerPort/,
    ],
    [
      'a malformed model id',
      withChange({ models: { ...base.models, generationModelId: 'llama 3' } }),
      /generationModelId/,
    ],
    [
      'prod without multi-AZ',
      { ...environments.prod, database: { ...environments.prod.database, multiAz: false } },
      /prod needs database.multiAz/,
    ],
    [
      'prod without deletion protection',
      { ...environments.prod, database: { ...environments.prod.database, deletionProtection: false } },
      /deletionProtection/,
    ],
    [
      'prod with all-at-once deploys',
      { ...environments.prod, delivery: { ...environments.prod.delivery, strategy: 'all-at-once' as const } },
      /canary/,
    ],
  ])('rejects %s', (_name, config, message) => {
    expect(() => parseEnvironmentConfig(config)).toThrow(ConfigError);
    expect(() => parseEnvironmentConfig(config)).toThrow(message);
  });

  it('accepts the committed configs unchanged', () => {
    expect(parseEnvironmentConfig(base)).toBe(base);
  });
});

describe('account config', () => {
  const withAccount = (change: Partial<AccountConfig>): AccountConfig => ({ ...account, ...change });

  it.each([
    ['a wildcard branch', withAccount({ github: { ...account.github, branch: 'release/*' } }), /one branch/],
    [
      'a wildcard environment',
      withAccount({ github: { ...account.github, environments: ['*'] } }),
      /no wildcards/,
    ],
    [
      'an imported provider with a bad ARN',
      withAccount({ oidcProvider: { create: false, arn: 'arn:aws:iam::1:oidc-provider/x' } }),
      /oidcProvider.arn/,
    ],
    [
      'a bootstrap tag that previews expire',
      withAccount({ bootstrapImageTag: 'pr-bootstrap' }),
      /bootstrapImageTag/,
    ],
  ])('rejects %s', (_name, config, message) => {
    expect(() => parseAccountConfig(config)).toThrow(message);
  });
});

describe('parsePullRequestNumber', () => {
  it('reads numbers from context strings and numbers', () => {
    expect(parsePullRequestNumber('42')).toBe(42);
    expect(parsePullRequestNumber(7)).toBe(7);
    expect(parsePullRequestNumber(undefined)).toBeUndefined();
  });

  it.each(['0', '-1', '4a', '', '1234567', '01'])('rejects %j', (raw) => {
    expect(() => parsePullRequestNumber(raw)).toThrow(/pull request number/);
  });
});
