import type { Finding, Severity } from './findings';
import type { IgnoreEntry } from './ignore-list';

export const FAIL_ON = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

const RANK: Record<Severity, number> = {
  CRITICAL: 4,
  HIGH: 3,
  MEDIUM: 2,
  LOW: 1,
  INFORMATIONAL: 0,
  UNDEFINED: 0,
};
const THRESHOLD: Record<FailOn, number> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  none: Number.POSITIVE_INFINITY,
};

export interface Evaluation {
  readonly counts: Record<Severity, number>;
  readonly total: number;
  readonly blocking: Finding[];
  readonly ignored: { readonly finding: Finding; readonly reason: string }[];
  /** Expired ignore entries that matched a finding: they no longer ignore it. */
  readonly expiredMatches: { readonly finding: Finding; readonly entry: IgnoreEntry }[];
}

export function evaluateFindings(
  findings: readonly Finding[],
  options: {
    readonly failOn: FailOn;
    readonly ignore: readonly IgnoreEntry[];
    readonly ignoreUnfixed: boolean;
  },
): Evaluation {
  const counts: Record<Severity, number> = {
    CRITICAL: 0,
    HIGH: 0,
    MEDIUM: 0,
    LOW: 0,
    INFORMATIONAL: 0,
    UNDEFINED: 0,
  };
  const blocking: Finding[] = [];
  const ignored: Evaluation['ignored'] = [];
  const expiredMatches: Evaluation['expiredMatches'] = [];
  for (const finding of findings) {
    const entry = options.ignore.find((candidate) => candidate.id === finding.id.toUpperCase());
    if (entry !== undefined && !entry.expired) {
      ignored.push({ finding, reason: entry.until ? `ignored until ${entry.until}` : 'ignored' });
      continue;
    }
    if (entry?.expired) expiredMatches.push({ finding, entry });
    if (options.ignoreUnfixed && finding.fixAvailable === 'NO') {
      ignored.push({ finding, reason: 'no fix available' });
      continue;
    }
    counts[finding.severity]++;
    if (RANK[finding.severity] >= THRESHOLD[options.failOn]) blocking.push(finding);
  }
  blocking.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.id.localeCompare(b.id));
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return { counts, total, blocking, ignored, expiredMatches };
}
