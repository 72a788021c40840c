import {
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsCommandOutput,
  ECRClient,
  ImageNotFoundException,
  ScanNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { ActionEnvironment } from '../../shared/src/testing/action-env';
import { fakeTiming } from '../../shared/src/testing/fake-timing';
import { run } from './main';
import { UNUSABLE_STATUSES } from './wait-for-scan';

const ecr = mockClient(ECRClient);
const action = new ActionEnvironment();
const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend@${DIGEST}`;

beforeEach(() => {
  ecr.reset();
  action.setUp();
  action.inputs({ 'image-uri': IMAGE });
});
afterEach(() => action.tearDown());

type Page = Partial<DescribeImageScanFindingsCommandOutput>;
const basic = (status: string, findings: { name: string; severity: string }[], nextToken?: string): Page => ({
  imageScanStatus: { status: status as never, description: `scan ${status.toLowerCase()}` },
  imageScanFindings: {
    findings: findings.map((finding) => ({
      ...finding,
      severity: finding.severity as never,
      attributes: [
        { key: 'package_name', value: 'openssl' },
        { key: 'package_version', value: '3.0.1' },
      ],
    })),
  },
  ...(nextToken ? { nextToken } : {}),
});
const enhanced = (status: string, findings: { id: string; severity: string; fix: string }[]): Page => ({
  imageScanStatus: { status: status as never },
  imageScanFindings: {
    enhancedFindings: findings.map((finding) => ({
      severity: finding.severity,
      fixAvailable: finding.fix,
      title: `${finding.id} in <zlib>`,
      packageVulnerabilityDetails: {
        vulnerabilityId: finding.id,
        vulnerablePackages: [{ name: 'zlib', version: '1.2.13' }],
      } as never,
    })),
  },
});
const scanNotFound = () =>
  new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: { requestId: 'req-404' } });

describe('wait-for-ecr-scan', () => {
  it('reads every page by digest, counts findings and fails on the blocking ones', async () => {
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(basic('COMPLETE', [{ name: 'CVE-2024-0001', severity: 'CRITICAL' }], 'page-2'))
      .resolvesOnce(
        basic('COMPLETE', [
          { name: 'CVE-2024-0002', severity: 'MEDIUM' },
          { name: 'CVE-2024-0003', severity: 'HIGH' },
          { name: 'CVE-2024-0004', severity: 'INFORMATIONAL' },
        ]),
      );
    await run({ timing: fakeTiming() });

    const calls = ecr.commandCalls(DescribeImageScanFindingsCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      {
        repositoryName: 'ragchat/backend',
        imageId: { imageDigest: DIGEST },
        registryId: '111122223333',
        maxResults: 1000,
      },
      {
        repositoryName: 'ragchat/backend',
        imageId: { imageDigest: DIGEST },
        registryId: '111122223333',
        maxResults: 1000,
        nextToken: 'page-2',
      },
    ]);
    expect(action.outputs()).toEqual({
      critical: '1',
      high: '1',
      medium: '1',
      low: '0',
      informational: '1',
      undefined: '0',
      total: '4',
      blocking: '2',
    });
    expect(action.errors()).toEqual([
      `2 finding(s) at or above high in ${IMAGE}: CVE-2024-0001 (CRITICAL), CVE-2024-0003 (HIGH)`,
    ]);
    expect(action.summary()).toContain('Blocking findings');
    expect(action.summary()).toContain('CVE-2024-0003');
    expect(action.summary()).not.toContain('CVE-2024-0002');
    expect(process.exitCode).toBe(1);
  });

  it('passes when nothing reaches the threshold', async () => {
    action.inputs({ 'fail-on': 'critical' });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolves(basic('COMPLETE', [{ name: 'CVE-1', severity: 'HIGH' }]));
    await run({ timing: fakeTiming() });
    expect(action.errors()).toEqual([]);
    expect(action.outputs().blocking).toBe('0');
    expect(action.outputs().high).toBe('1');
    expect(process.exitCode).toBeUndefined();
  });

  it('never blocks with fail-on none', async () => {
    action.inputs({ 'fail-on': 'none' });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolves(basic('COMPLETE', [{ name: 'CVE-1', severity: 'CRITICAL' }]));
    await run({ timing: fakeTiming() });
    expect(action.errors()).toEqual([]);
    expect(action.outputs().critical).toBe('1');
  });

  it('tells enhanced findings by shape and ignores unfixed ones when asked (ACTIVE is finished)', async () => {
    action.inputs({ 'ignore-unfixed': 'true' });
    ecr.on(DescribeImageScanFindingsCommand).resolves(
      enhanced('ACTIVE', [
        { id: 'CVE-2025-1', severity: 'CRITICAL', fix: 'NO' },
        { id: 'CVE-2025-2', severity: 'HIGH', fix: 'YES' },
        { id: 'CVE-2025-3', severity: 'UNTRIAGED', fix: 'NO' },
      ]),
    );
    await run({ timing: fakeTiming() });
    expect(action.outputs()).toMatchObject({
      critical: '0',
      high: '1',
      undefined: '0',
      total: '1',
      blocking: '1',
    });
    expect(action.errors()[0]).toContain('CVE-2025-2 (HIGH)');
    expect(action.summary()).toContain('enhanced scanning');
    expect(action.summary()).toContain('no fix available');
    expect(action.summary()).toContain('CVE-2025-2 in &lt;zlib&gt;');
  });

  it('knows an ACTIVE scan without findings is enhanced', async () => {
    action.inputs({ 'ignore-unfixed': 'true' });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolves({ imageScanStatus: { status: 'ACTIVE' }, imageScanFindings: {} });
    await run({ timing: fakeTiming() });
    expect(action.stdout()).not.toContain('ignore-unfixed has no effect');
    expect(action.summary()).toContain('enhanced scanning');
    expect(action.outputs().total).toBe('0');
  });

  it('warns that ignore-unfixed cannot apply to basic scanning', async () => {
    action.inputs({ 'ignore-unfixed': 'true' });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolves(basic('COMPLETE', [{ name: 'CVE-1', severity: 'LOW' }]));
    await run({ timing: fakeTiming() });
    expect(action.stdout()).toContain('::warning::ignore-unfixed has no effect');
    expect(action.outputs().low).toBe('1');
  });

  it('ignores listed findings until their expiry date and reports expired entries', async () => {
    // The fake clock reads 2026-06-01.
    action.inputs({
      ignore:
        'CVE-2024-0001 until 2026-06-01 # not reachable, owner @web\ncve-2024-0002\nCVE-2024-0003 until 2026-05-31\n',
    });
    ecr.on(DescribeImageScanFindingsCommand).resolves(
      basic('COMPLETE', [
        { name: 'CVE-2024-0001', severity: 'CRITICAL' },
        { name: 'CVE-2024-0002', severity: 'HIGH' },
        { name: 'CVE-2024-0003', severity: 'HIGH' },
      ]),
    );
    await run({ timing: fakeTiming() });
    expect(action.outputs()).toMatchObject({ critical: '0', high: '1', blocking: '1' });
    expect(action.errors()).toEqual([`1 finding(s) at or above high in ${IMAGE}: CVE-2024-0003 (HIGH)`]);
    expect(action.stdout()).toContain('::warning::Ignore entry for CVE-2024-0003 expired on 2026-05-31');
    expect(action.summary()).toContain('ignore entry expired 2026-05-31');
    expect(action.summary()).toContain('ignored until 2026-06-01');
  });

  it('waits through ScanNotFound in the grace window, then PENDING and IN_PROGRESS, with growing delays', async () => {
    const timing = fakeTiming();
    ecr
      .on(DescribeImageScanFindingsCommand)
      .rejectsOnce(scanNotFound())
      .resolvesOnce(basic('PENDING', []))
      .resolvesOnce(basic('IN_PROGRESS', []))
      .resolves(basic('COMPLETE', []));
    await run({ timing });
    expect(action.errors()).toEqual([]);
    expect(timing.sleeps).toEqual([5000, 7500, 11250]);
    expect(action.stdout()).toContain('Scan status: SCAN_NOT_FOUND');
    expect(action.stdout()).toContain('Scan status: IN_PROGRESS');
    expect(action.outputs().total).toBe('0');
  });

  it('fails when the scan is still not found after the grace window', async () => {
    action.inputs({ 'not-found-grace-seconds': '10' });
    const timing = fakeTiming();
    ecr.on(DescribeImageScanFindingsCommand).rejects(scanNotFound());
    await run({ timing });
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(3);
    const [error] = action.errors();
    expect(error).toContain(`No scan exists for ${IMAGE} after 10s: enable scan on push`);
    expect(error).toContain('ECR DescribeImageScanFindings failed: ScanNotFoundException');
    expect(error).toContain('request id req-404');
    expect(action.outputs()).toEqual({});
  });

  it.each(Object.keys(UNUSABLE_STATUSES))('fails at once on status %s', async (status) => {
    const timing = fakeTiming();
    ecr.on(DescribeImageScanFindingsCommand).resolves(basic(status, []));
    await run({ timing });
    expect(action.errors()[0]).toContain(`Scan of ${IMAGE} is ${status}: ${UNUSABLE_STATUSES[status]}`);
    expect(timing.sleeps).toEqual([]);
  });

  it('fails on a status it does not know', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basic('SOMETHING_NEW', []));
    await run({ timing: fakeTiming() });
    expect(action.errors()).toEqual([`Scan of ${IMAGE} has an unknown status SOMETHING_NEW`]);
  });

  it('times out after timeout-seconds with the last status, sleeping no longer than the time left', async () => {
    action.inputs({ 'timeout-seconds': '60' });
    const timing = fakeTiming();
    ecr.on(DescribeImageScanFindingsCommand).resolves(basic('IN_PROGRESS', []));
    await run({ timing });
    expect(action.errors()).toEqual([
      `Timed out after 60s waiting for the scan of ${IMAGE} (last status IN_PROGRESS)`,
    ]);
    expect(timing.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(60_000);
    expect(Math.max(...timing.sleeps)).toBeLessThanOrEqual(30_000);
  });

  it('reports other AWS errors with the operation and request id', async () => {
    ecr
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ImageNotFoundException({ message: 'no such image', $metadata: { requestId: 'req-9' } }));
    await run({ timing: fakeTiming() });
    expect(action.errors()).toEqual([
      'ECR DescribeImageScanFindings failed: ImageNotFoundException: no such image (request id req-9)',
    ]);
  });

  it.each([
    [{ 'image-uri': '' }, "Input 'image-uri' is required"],
    [
      { 'image-uri': '111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend:latest' },
      "Input 'image-uri' must be pinned by digest",
    ],
    [{ 'image-uri': `docker.io/library/node@${DIGEST}` }, "Input 'image-uri' must be in an ECR registry"],
    [{ 'fail-on': 'severe' }, "Input 'fail-on' must be one of critical, high, medium, low, none"],
    [{ ignore: 'CVE-1 until tomorrow' }, "Input 'ignore' line 'CVE-1 until tomorrow' must look like"],
    [
      { ignore: 'CVE-1 until 2026-13-45' },
      "Input 'ignore' line 'CVE-1 until 2026-13-45' has an invalid date",
    ],
    [
      { ignore: 'CVE-1 until 2026-02-31' },
      "Input 'ignore' line 'CVE-1 until 2026-02-31' has an invalid date",
    ],
    [{ 'ignore-unfixed': 'yes' }, "Input 'ignore-unfixed' must be true or false"],
    [{ 'timeout-seconds': '0' }, "Input 'timeout-seconds' must be between 1 and 21600"],
    [{ 'not-found-grace-seconds': '2m' }, "Input 'not-found-grace-seconds' must be a whole number"],
  ])('rejects bad input %j without calling ECR', async (inputs, message) => {
    action.inputs(inputs);
    await run({ timing: fakeTiming() });
    expect(action.errors()[0]).toContain(message);
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(0);
  });
});
