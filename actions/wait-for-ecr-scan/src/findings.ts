import type { DescribeImageScanFindingsCommandOutput } from '@aws-sdk/client-ecr';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly packages: string;
  /** YES, NO or PARTIAL for enhanced scanning; undefined for basic scanning, which does not say. */
  readonly fixAvailable: string | undefined;
  readonly title: string;
}

export type ScanKind = 'basic' | 'enhanced';

/** Inspector reports UNTRIAGED where basic scanning says UNDEFINED; anything unknown counts as UNDEFINED. */
export function normalizeSeverity(raw: string | undefined): Severity {
  const upper = (raw ?? '').toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : 'UNDEFINED';
}

/**
 * Findings of one page. Enhanced scanning (Inspector) answers with `enhancedFindings`, basic scanning
 * with `findings`; the response shape, not the registry configuration, tells which one ran.
 */
export function findingsOfPage(page: DescribeImageScanFindingsCommandOutput): {
  kind: ScanKind;
  findings: Finding[];
} {
  const scan = page.imageScanFindings;
  if (scan?.enhancedFindings !== undefined) {
    return {
      kind: 'enhanced',
      findings: scan.enhancedFindings.map((finding) => {
        const details = finding.packageVulnerabilityDetails;
        return {
          id: details?.vulnerabilityId ?? finding.title ?? finding.findingArn ?? 'unknown',
          severity: normalizeSeverity(finding.severity),
          packages: (details?.vulnerablePackages ?? [])
            .map((pkg) => [pkg.name, pkg.version].filter(Boolean).join(' '))
            .join(', '),
          fixAvailable: finding.fixAvailable,
          title: finding.title ?? '',
        };
      }),
    };
  }
  return {
    kind: 'basic',
    findings: (scan?.findings ?? []).map((finding) => {
      const attribute = (key: string): string | undefined =>
        finding.attributes?.find((candidate) => candidate.key === key)?.value;
      return {
        id: finding.name ?? 'unknown',
        severity: normalizeSeverity(finding.severity),
        packages: [attribute('package_name'), attribute('package_version')].filter(Boolean).join(' '),
        fixAvailable: undefined,
        title: finding.description ?? '',
      };
    }),
  };
}
