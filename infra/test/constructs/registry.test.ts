import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PreviewArtifacts } from '../../src/constructs/preview-artifacts/preview-artifacts';
import { Registry } from '../../src/constructs/registry/registry';
import type { Json } from '../support/app';
import { expiredImages, type RepositoryImage } from '../support/ecr-lifecycle';

function firstRepositoryPolicy(stack: Stack): string {
  const repository = Object.values(
    Template.fromStack(stack).findResources('AWS::ECR::Repository'),
  )[0] as Json;
  return repository.Properties.LifecyclePolicy.LifecyclePolicyText;
}

function policyText(): string {
  const stack = new Stack();
  new Registry(stack, 'Registry', { bootstrapImageTag: 'bootstrap' });
  return firstRepositoryPolicy(stack);
}

function previewPolicyText(): string {
  const stack = new Stack();
  new PreviewArtifacts(stack, 'PreviewArtifacts');
  return firstRepositoryPolicy(stack);
}

const release = (n: number, extra: Partial<RepositoryImage> = {}): RepositoryImage => ({
  digest: `release-${n}`,
  tags: [`${n}`.padStart(40, 'a')],
  pushedDaysAgo: n,
  pulledDaysAgo: n,
  ...extra,
});

describe('Registry lifecycle policy (applied by a model of ECR)', () => {
  it('keeps the image prod runs even when more than 100 newer images were pushed since', () => {
    const newer = Array.from({ length: 150 }, (_, index) => release(index / 10));
    // Prod was promoted 40 days ago and its tasks last started (pulled) 3 days ago.
    const prod = release(40, { digest: 'prod', pulledDaysAgo: 3 });
    // The previous prod release, the rollback target, last ran 41 days ago.
    const previous = release(60, { digest: 'previous', pulledDaysAgo: 41 });
    const expired = expiredImages(policyText(), [...newer, prod, previous]);
    expect(expired).not.toContain('prod');
    expect(expired).not.toContain('previous');
  });

  it('never expires the bootstrap image or the build cache, and expires untagged images after a week', () => {
    const expired = expiredImages(policyText(), [
      { digest: 'bootstrap', tags: ['bootstrap'], pushedDaysAgo: 900 },
      { digest: 'cache', tags: ['buildcache'], pushedDaysAgo: 900 },
      { digest: 'untagged-old', tags: [], pushedDaysAgo: 8 },
      { digest: 'untagged-new', tags: [], pushedDaysAgo: 2 },
    ]);
    expect(expired).toEqual(['untagged-old']);
  });

  it('expires a release nobody has pulled for a year', () => {
    expect(expiredImages(policyText(), [release(400)])).toEqual(['release-400']);
  });
});

describe('Preview repositories lifecycle policy (applied by a model of ECR)', () => {
  it('keeps a running preview image however long ago it was pushed, and expires abandoned ones', () => {
    const running: RepositoryImage = {
      digest: 'open-pr',
      tags: ['pr-7-' + 'b'.repeat(40), 'b'.repeat(40)],
      pushedDaysAgo: 20,
      pulledDaysAgo: 1,
    };
    const abandoned: RepositoryImage = {
      digest: 'abandoned-pr',
      tags: ['pr-3-' + 'c'.repeat(40), 'c'.repeat(40)],
      pushedDaysAgo: 60,
      pulledDaysAgo: 45,
    };
    const expired = expiredImages(previewPolicyText(), [running, abandoned]);
    expect(expired).toEqual(['abandoned-pr']);
  });

  it('never expires the build cache, and expires untagged images after a week', () => {
    const expired = expiredImages(previewPolicyText(), [
      { digest: 'cache', tags: ['buildcache'], pushedDaysAgo: 900 },
      { digest: 'untagged-old', tags: [], pushedDaysAgo: 8 },
    ]);
    expect(expired).toEqual(['untagged-old']);
  });
});
