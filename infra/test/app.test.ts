import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildRagchatApp } from '../src/app';
import { buildApp, cliContext } from './support/app';

const { app, stacks } = buildApp({ pr: '42', backendImageDigest: `sha256:${'c'.repeat(64)}` });
const all = [stacks.shared, ...Object.values(stacks.environments), stacks.preview!];

describe('the CDK app (as cdk synth -c pr=42 builds it)', () => {
  it('synthesizes dev, staging, prod, the shared stack and the preview offline, with no missing context', () => {
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'ragchat-dev',
      'ragchat-pr-42',
      'ragchat-prod',
      'ragchat-shared',
      'ragchat-staging',
    ]);
    expect(assembly.manifest.missing ?? []).toEqual([]);
    for (const stack of assembly.stacks) expect(stack.environment.account).toBe('111122223333');
  });

  it('has no error annotations', () => {
    for (const stack of all)
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions with zero unacknowledged findings on every stack', () => {
    for (const stack of all) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(
        report.violations.map(
          (v) =>
            `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId ?? r.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
    }
  });

  it('gives every acknowledged rule a written reason', () => {
    const acknowledgements: { path: string; id: string; reason: unknown }[] = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
          acknowledgements.push({ path: construct.node.path, id, reason });
        }
      }
      for (const child of construct.node.children) visit(child);
    };
    visit(app);
    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const { path, id, reason } of acknowledgements) {
      const text = typeof reason === 'string' ? reason : JSON.stringify(reason);
      expect({ path, id, reasonLength: text.trim().length >= 20 }).toEqual({ path, id, reasonLength: true });
    }
  });
});

describe('target account', () => {
  const saved = process.env.CDK_DEFAULT_ACCOUNT;
  afterEach(() => {
    if (saved === undefined) delete process.env.CDK_DEFAULT_ACCOUNT;
    else process.env.CDK_DEFAULT_ACCOUNT = saved;
  });

  it('follows the CLI credentials when no account is given in context', () => {
    process.env.CDK_DEFAULT_ACCOUNT = '444455556666';
    const stacks = buildRagchatApp(new App({ context: cliContext() }));
    expect(stacks.environments.prod.account).toBe('444455556666');
  });

  it('uses the placeholder account without credentials, and the context value over both', () => {
    delete process.env.CDK_DEFAULT_ACCOUNT;
    expect(buildRagchatApp(new App({ context: cliContext() })).shared.account).toBe('111122223333');
    process.env.CDK_DEFAULT_ACCOUNT = '444455556666';
    const pinned = buildRagchatApp(new App({ context: { ...cliContext(), account: '777788889999' } }));
    expect(pinned.shared.account).toBe('777788889999');
  });

  it('rejects a malformed account id', () => {
    expect(() => buildRagchatApp(new App({ context: { ...cliContext(), account: '1234' } }))).toThrow(
      /not a 12-digit AWS account id/,
    );
  });
});
