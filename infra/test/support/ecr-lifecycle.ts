/**
 * A model of how ECR applies a lifecycle policy (Amazon ECR user guide, "Lifecycle policy
 * properties" and "How lifecycle policies work"): rules run in priority order; an image that
 * matches the tag selection of a rule cannot be expired by a rule with a lower priority;
 * `imageCountMoreThan` keeps the newest N pushed; `sinceImagePushed` / `sinceImagePulled` expire
 * images older than N days (an image never pulled counts from its push).
 */
export interface RepositoryImage {
  readonly digest: string;
  readonly tags: readonly string[];
  readonly pushedDaysAgo: number;
  /** Days since ECR last recorded a pull; absent when never pulled. */
  readonly pulledDaysAgo?: number;
}

interface Rule {
  readonly rulePriority: number;
  readonly selection: {
    readonly tagStatus: 'tagged' | 'untagged' | 'any';
    readonly tagPatternList?: readonly string[];
    readonly countType: 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled';
    readonly countNumber: number;
  };
}

const wildcard = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

function matches(rule: Rule, image: RepositoryImage): boolean {
  const { tagStatus, tagPatternList } = rule.selection;
  if (tagStatus === 'any') return true;
  if (tagStatus === 'untagged') return image.tags.length === 0;
  return (tagPatternList ?? []).every((pattern) => image.tags.some((tag) => wildcard(pattern).test(tag)));
}

/** Digests the policy expires. */
export function expiredImages(policyText: string, images: readonly RepositoryImage[]): string[] {
  const rules = (JSON.parse(policyText) as { rules: Rule[] }).rules.sort(
    (a, b) => a.rulePriority - b.rulePriority,
  );
  const claimed = new Set<string>();
  const expired: string[] = [];
  for (const rule of rules) {
    const selected = images.filter((image) => !claimed.has(image.digest) && matches(rule, image));
    for (const image of selected) claimed.add(image.digest);
    const { countType, countNumber } = rule.selection;
    const doomed =
      countType === 'imageCountMoreThan'
        ? [...selected].sort((a, b) => a.pushedDaysAgo - b.pushedDaysAgo).slice(countNumber)
        : selected.filter(
            (image) =>
              (countType === 'sinceImagePulled'
                ? (image.pulledDaysAgo ?? image.pushedDaysAgo)
                : image.pushedDaysAgo) > countNumber,
          );
    expired.push(...doomed.map((image) => image.digest));
  }
  return expired;
}
