import {
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsCommandOutput,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { awsCall, isAwsError } from '../../shared/src/aws-error';
import type { PinnedImage } from '../../shared/src/image-uri';
import { type Backoff, backoffDelay, type Timing } from '../../shared/src/timing';
import { type Finding, findingsOfPage, type ScanKind } from './findings';

/** Statuses after which findings can be read: COMPLETE (basic) and ACTIVE (enhanced, continuous). */
const FINISHED = ['COMPLETE', 'ACTIVE'];
const WAITING = ['IN_PROGRESS', 'PENDING'];
/** Statuses that will not turn into findings however long we wait. */
export const UNUSABLE_STATUSES: Readonly<Record<string, string>> = {
  FAILED: 'the scan failed',
  UNSUPPORTED_IMAGE: 'the image operating system or architecture is not supported by the scanner',
  SCAN_ELIGIBILITY_EXPIRED: 'the image is no longer eligible for continuous scanning',
  FINDINGS_UNAVAILABLE: 'findings are unavailable for this image',
  LIMIT_EXCEEDED: 'the scan limit was exceeded (basic scanning scans an image at most once per 24 hours)',
  IMAGE_ARCHIVED: 'the image is archived and is not scanned',
};

export const POLL_BACKOFF: Backoff = { initialMs: 5_000, maxMs: 30_000, factor: 1.5 };

export interface ScanResult {
  readonly status: string;
  readonly kind: ScanKind;
  readonly findings: Finding[];
  readonly pages: number;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly notFoundGraceMs: number;
  readonly log: (message: string) => void;
}

/** Polls DescribeImageScanFindings by digest until the scan finishes, then reads every page. */
export async function waitForScan(
  ecr: ECRClient,
  image: PinnedImage,
  options: WaitOptions,
  timing: Timing,
): Promise<ScanResult> {
  const describe = (nextToken?: string): Promise<DescribeImageScanFindingsCommandOutput> =>
    awsCall('ECR DescribeImageScanFindings', () =>
      ecr.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: image.repository,
          imageId: { imageDigest: image.digest },
          maxResults: 1000,
          ...(image.ecr ? { registryId: image.ecr.accountId } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
  const started = timing.now();
  let lastStatus = '';
  for (let attempt = 0; ; attempt++) {
    let status: string;
    let first: DescribeImageScanFindingsCommandOutput | undefined;
    try {
      first = await describe();
      status = first.imageScanStatus?.status ?? 'UNKNOWN';
    } catch (error) {
      if (!isAwsError(error, 'ScanNotFoundException')) throw error;
      // Right after a push the scan is not registered yet; after the grace window scanning is off.
      if (timing.now() - started >= options.notFoundGraceMs) {
        throw new Error(
          `No scan exists for ${image.uri} after ${Math.round(options.notFoundGraceMs / 1000)}s: ` +
            `enable scan on push or enhanced scanning for ${image.repository}. ${error.message}`,
        );
      }
      status = 'SCAN_NOT_FOUND';
    }
    if (status !== lastStatus) {
      options.log(
        `Scan status: ${status}${first?.imageScanStatus?.description ? ` (${first.imageScanStatus.description})` : ''}`,
      );
      lastStatus = status;
    }
    if (first !== undefined && FINISHED.includes(status)) return readAllPages(first, status, describe);
    const unusable = UNUSABLE_STATUSES[status];
    if (unusable !== undefined) {
      const description = first?.imageScanStatus?.description;
      throw new Error(
        `Scan of ${image.uri} is ${status}: ${unusable}${description ? ` (${description})` : ''}`,
      );
    }
    if (status !== 'SCAN_NOT_FOUND' && !WAITING.includes(status)) {
      throw new Error(`Scan of ${image.uri} has an unknown status ${status}`);
    }
    const remaining = started + options.timeoutMs - timing.now();
    if (remaining <= 0) {
      throw new Error(
        `Timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for the scan of ${image.uri} (last status ${status})`,
      );
    }
    await timing.sleep(Math.min(backoffDelay(attempt, POLL_BACKOFF), remaining));
  }
}

async function readAllPages(
  first: DescribeImageScanFindingsCommandOutput,
  status: string,
  describe: (nextToken?: string) => Promise<DescribeImageScanFindingsCommandOutput>,
): Promise<ScanResult> {
  const firstPage = findingsOfPage(first);
  // An enhanced scan without findings has no enhancedFindings to show its shape, but only enhanced scans are ACTIVE.
  let kind: ScanKind = status === 'ACTIVE' ? 'enhanced' : firstPage.kind;
  const findings = [...firstPage.findings];
  let pages = 1;
  for (let token = first.nextToken; token; pages++) {
    const page = await describe(token);
    const parsed = findingsOfPage(page);
    if (parsed.kind === 'enhanced') kind = 'enhanced';
    findings.push(...parsed.findings);
    token = page.nextToken;
  }
  return { status, kind, findings, pages };
}
