import { join } from 'node:path';
import { FakeAws } from '../../shared/src/testing/fake-aws';
import { runDist } from '../../shared/src/testing/run-dist';

/** The committed bundle, run with `node dist/index.js` against a local fake ECR. */
const DIST = join(__dirname, '..', 'dist', 'index.js');
const DIGEST = `sha256:${'e'.repeat(64)}`;
const IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/frontend@${DIGEST}`;
jest.setTimeout(60_000);

const page = (findings: [string, string][], nextToken?: string) => ({
  imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
  imageScanFindings: { findings: findings.map(([name, severity]) => ({ name, severity, attributes: [] })) },
  ...(nextToken ? { nextToken } : {}),
});

describe('wait-for-ecr-scan dist/index.js', () => {
  let aws: FakeAws;
  afterEach(() => aws.stop());

  it('reads all pages over the JSON protocol, writes outputs and summary, and exits 1 on blocking findings', async () => {
    aws = new FakeAws({
      DescribeImageScanFindings: (request) =>
        request.nextToken === 'p2'
          ? { body: page([['CVE-2024-2', 'HIGH']]) }
          : { body: page([['CVE-2024-1', 'LOW']], 'p2') },
    });
    const endpoint = await aws.start();
    const result = await runDist(DIST, {
      inputs: { 'image-uri': IMAGE },
      env: { AWS_ENDPOINT_URL_ECR: endpoint },
    });

    expect(result.code).toBe(1);
    expect(result.errors).toEqual([`1 finding(s) at or above high in ${IMAGE}: CVE-2024-2 (HIGH)`]);
    expect(result.outputs).toMatchObject({ high: '1', low: '1', total: '2', blocking: '1' });
    expect(result.summary).toContain('Blocking findings');
    expect(aws.calls.map((call) => call.body)).toEqual([
      {
        repositoryName: 'ragchat/frontend',
        registryId: '111122223333',
        imageId: { imageDigest: DIGEST },
        maxResults: 1000,
      },
      {
        repositoryName: 'ragchat/frontend',
        registryId: '111122223333',
        imageId: { imageDigest: DIGEST },
        maxResults: 1000,
        nextToken: 'p2',
      },
    ]);
  });

  it('exits 0 when the threshold is not reached', async () => {
    aws = new FakeAws({ DescribeImageScanFindings: () => ({ body: page([['CVE-2024-2', 'HIGH']]) }) });
    const endpoint = await aws.start();
    const result = await runDist(DIST, {
      inputs: { 'image-uri': IMAGE, 'fail-on': 'critical' },
      env: { AWS_ENDPOINT_URL_ECR: endpoint },
    });
    expect(result.code).toBe(0);
    expect(result.outputs.blocking).toBe('0');
  });

  it('fails with the AWS error code and request id when no scan exists after the grace window', async () => {
    aws = new FakeAws({
      DescribeImageScanFindings: () => ({ error: 'ScanNotFoundException', message: 'no scan' }),
    });
    const endpoint = await aws.start();
    const result = await runDist(DIST, {
      inputs: { 'image-uri': IMAGE, 'not-found-grace-seconds': '0' },
      env: { AWS_ENDPOINT_URL_ECR: endpoint },
    });
    expect(result.code).toBe(1);
    expect(result.errors[0]).toMatch(/No scan exists .* ScanNotFoundException: no scan \(request id req-1\)/);
  });

  it('fails on a bad input before calling AWS', async () => {
    aws = new FakeAws({});
    await aws.start();
    const result = await runDist(DIST, { inputs: { 'image-uri': IMAGE.replace(/@.*/, ':latest') } });
    expect(result.code).toBe(1);
    expect(result.errors[0]).toContain("Input 'image-uri' must be pinned by digest");
    expect(aws.calls).toEqual([]);
  });
});
