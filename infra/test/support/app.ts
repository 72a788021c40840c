import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildRagchatApp, PLACEHOLDER_ACCOUNT, type RagchatApp } from '../../src/app';
import { infraPath } from '../../src/paths';

/** The context `cdk synth` would see: cdk.json's context plus the committed cdk.context.json. */
export function cliContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(infraPath('cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const cached = JSON.parse(readFileSync(infraPath('cdk.context.json'), 'utf8')) as Record<string, unknown>;
  return { ...cdkJson.context, ...cached };
}

/**
 * A new App with the CLI's context. The built-in CloudFormation schema validation is off here: it
 * costs over ten times the synthesis itself, and test/cli.test.ts runs it once through the real CLI.
 */
export function testApp(extraContext: Record<string, unknown> = {}): App {
  return new App({
    // Pinned so credentials in the environment running the tests cannot change the target account.
    context: { ...cliContext(), account: PLACEHOLDER_ACCOUNT, ...extraContext },
    builtinCloudFormationValidation: false,
  });
}

/** Builds the whole app as `cdk synth` would, with extra context on top. */
export function buildApp(extraContext: Record<string, unknown> = {}): { app: App; stacks: RagchatApp } {
  const app = testApp(extraContext);
  return { app, stacks: buildRagchatApp(app) };
}

/** Replaces CloudFormation intrinsics in a synthesized value by `<token>` strings and joins them. */
export function flattenIntrinsics(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map(flattenIntrinsics).join(separator);
  }
  return '<token>';
}

/** Synthesized CloudFormation is untyped JSON; tests navigate it freely. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates have no static type.
export type Json = any;
