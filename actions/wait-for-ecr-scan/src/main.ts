import * as core from '@actions/core';
import { ECRClient } from '@aws-sdk/client-ecr';
import { escapeHtml } from '../../shared/src/html';
import { type PinnedImage, parsePinnedImage } from '../../shared/src/image-uri';
import {
  booleanInput,
  enumInput,
  InputError,
  integerInput,
  lineInput,
  requiredInput,
} from '../../shared/src/inputs';
import { realTiming, type Timing } from '../../shared/src/timing';
import { type Evaluation, evaluateFindings, FAIL_ON, type FailOn } from './evaluate';
import type { Finding } from './findings';
import { type IgnoreEntry, parseIgnoreList } from './ignore-list';
import { type ScanResult, waitForScan } from './wait-for-scan';

export interface Dependencies {
  readonly timing: Timing;
}

interface Inputs {
  readonly image: PinnedImage;
  /** The region of the image's ECR registry, where its scan lives. */
  readonly region: string;
  readonly failOn: FailOn;
  readonly ignore: IgnoreEntry[];
  readonly ignoreUnfixed: boolean;
  readonly timeoutMs: number;
  readonly notFoundGraceMs: number;
}

function readInputs(today: string): Inputs {
  const uri = requiredInput('image-uri');
  const image = parsePinnedImage(uri);
  if (image === undefined) {
    throw new InputError(
      'image-uri',
      `must be pinned by digest, <registry>/<repository>@sha256:<digest> (got '${uri}')`,
    );
  }
  if (image.ecr === undefined)
    throw new InputError('image-uri', `must be in an ECR registry (got '${image.registry}')`);
  return {
    image,
    region: image.ecr.region,
    failOn: enumInput('fail-on', FAIL_ON, 'high'),
    ignore: parseIgnoreList(lineInput('ignore'), today),
    ignoreUnfixed: booleanInput('ignore-unfixed', false),
    timeoutMs: integerInput('timeout-seconds', 900, 1, 6 * 3600) * 1000,
    notFoundGraceMs: integerInput('not-found-grace-seconds', 120, 0, 3600) * 1000,
  };
}

export async function run(dependencies: Dependencies = { timing: realTiming }): Promise<void> {
  try {
    const { timing } = dependencies;
    const inputs = readInputs(new Date(timing.now()).toISOString().slice(0, 10));
    const ecr = new ECRClient({ region: inputs.region });
    const scan = await waitForScan(
      ecr,
      inputs.image,
      { timeoutMs: inputs.timeoutMs, notFoundGraceMs: inputs.notFoundGraceMs, log: core.info },
      timing,
    );
    if (inputs.ignoreUnfixed && scan.kind === 'basic') {
      core.warning('ignore-unfixed has no effect: basic scanning does not report whether a fix is available');
    }
    const evaluation = evaluateFindings(scan.findings, inputs);
    for (const { finding, entry } of evaluation.expiredMatches) {
      core.warning(`Ignore entry for ${finding.id} expired on ${entry.until}; the finding counts again`);
    }
    core.setOutput('critical', evaluation.counts.CRITICAL);
    core.setOutput('high', evaluation.counts.HIGH);
    core.setOutput('medium', evaluation.counts.MEDIUM);
    core.setOutput('low', evaluation.counts.LOW);
    core.setOutput('informational', evaluation.counts.INFORMATIONAL);
    core.setOutput('undefined', evaluation.counts.UNDEFINED);
    core.setOutput('total', evaluation.total);
    core.setOutput('blocking', evaluation.blocking.length);
    await writeSummary(inputs, scan, evaluation);
    if (evaluation.blocking.length > 0) {
      const list = evaluation.blocking.map((finding) => `${finding.id} (${finding.severity})`).join(', ');
      throw new Error(
        `${evaluation.blocking.length} finding(s) at or above ${inputs.failOn} in ${inputs.image.uri}: ${list}`,
      );
    }
    core.info(`No findings at or above ${inputs.failOn} (${evaluation.total} finding(s) counted)`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

const row = (finding: Finding, note: string): string[] =>
  [finding.id, finding.severity, finding.packages, finding.fixAvailable ?? 'unknown', note].map(escapeHtml);

async function writeSummary(inputs: Inputs, scan: ScanResult, evaluation: Evaluation): Promise<void> {
  const header = ['Finding', 'Severity', 'Package', 'Fix available', 'Note'].map((data) => ({
    data,
    header: true,
  }));
  const summary = core.summary
    .addHeading('ECR image scan', 2)
    .addRaw(
      `<p><code>${inputs.image.uri}</code><br>Scan ${scan.status} (${scan.kind} scanning, ${scan.pages} page(s)), fail on ${inputs.failOn}: ` +
        `<strong>${evaluation.blocking.length} blocking</strong></p>`,
    )
    .addTable([
      ['Critical', 'High', 'Medium', 'Low', 'Informational', 'Undefined', 'Total'].map((data) => ({
        data,
        header: true,
      })),
      [
        evaluation.counts.CRITICAL,
        evaluation.counts.HIGH,
        evaluation.counts.MEDIUM,
        evaluation.counts.LOW,
        evaluation.counts.INFORMATIONAL,
        evaluation.counts.UNDEFINED,
        evaluation.total,
      ].map(String),
    ]);
  if (evaluation.blocking.length > 0) {
    summary.addHeading('Blocking findings', 3).addTable([
      header,
      ...evaluation.blocking.map((finding) => {
        const expired = evaluation.expiredMatches.find((match) => match.finding === finding);
        return row(finding, expired ? `ignore entry expired ${expired.entry.until}` : finding.title);
      }),
    ]);
  }
  if (evaluation.ignored.length > 0) {
    summary
      .addHeading('Ignored findings', 3)
      .addTable([header, ...evaluation.ignored.map(({ finding, reason }) => row(finding, reason))]);
  }
  await summary.write();
}
