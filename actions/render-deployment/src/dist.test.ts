import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeAws } from '../../shared/src/testing/fake-aws';
import { BACKEND_IMAGE, deployOutputsDocument } from '../../shared/src/testing/fixtures';
import { runDist } from '../../shared/src/testing/run-dist';

const DIST = join(__dirname, '..', 'dist', 'index.js');
const REPO_ROOT = join(__dirname, '..', '..', '..');
jest.setTimeout(60_000);

describe('render-deployment dist/index.js', () => {
  let aws: FakeAws;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'render-'));
  });
  afterEach(async () => {
    await aws.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the deploy outputs from SSM and renders the repository template from the workspace', async () => {
    aws = new FakeAws({
      GetParameter: (request) =>
        request.Name === '/ragchat/staging/deploy-outputs'
          ? {
              body: {
                Parameter: {
                  Name: request.Name,
                  Type: 'String',
                  Value: JSON.stringify(deployOutputsDocument()),
                },
              },
            }
          : { error: 'ParameterNotFound', message: String(request.Name) },
    });
    const endpoint = await aws.start();
    const out = join(dir, 'out');
    const result = await runDist(DIST, {
      cwd: REPO_ROOT,
      inputs: {
        environment: 'staging',
        service: 'backend',
        images: `backend=${BACKEND_IMAGE}`,
        'environment-variables': 'backend.FEATURE=a=b',
        hooks: 'AfterAllowTestTraffic=ragchat-smoke',
        'output-dir': out,
      },
      env: { AWS_ENDPOINT_URL_SSM: endpoint },
    });

    expect(result.errors).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({
      'task-definition-path': join(out, 'taskdef.json'),
      'appspec-path': join(out, 'appspec.yaml'),
      'container-name': 'backend',
      'container-port': '8000',
    });
    const taskDefinition = JSON.parse(readFileSync(join(out, 'taskdef.json'), 'utf8'));
    expect(taskDefinition.containerDefinitions[0].image).toBe(BACKEND_IMAGE);
    expect(taskDefinition.containerDefinitions[0].environment).toContainEqual({
      name: 'FEATURE',
      value: 'a=b',
    });
    expect(readFileSync(join(out, 'appspec.yaml'), 'utf8')).toContain(
      'AfterAllowTestTraffic: "ragchat-smoke"',
    );
    expect(result.summary).toContain('Rendered backend for staging');
    expect(aws.operations()).toEqual(['GetParameter']);
  });

  it('exits 1 naming an unknown placeholder', async () => {
    aws = new FakeAws({});
    await aws.start();
    const outputs = join(dir, 'outputs.json');
    const template = join(dir, 'template.json');
    writeFileSync(outputs, JSON.stringify(deployOutputsDocument()));
    writeFileSync(template, JSON.stringify({ family: '{{service.nope}}', containerDefinitions: [] }));
    const result = await runDist(DIST, {
      inputs: {
        'deploy-outputs-file': outputs,
        template,
        service: 'backend',
        images: `backend=${BACKEND_IMAGE}`,
      },
    });
    expect(result.code).toBe(1);
    expect(result.errors).toEqual(['Unknown placeholder {{service.nope}} in the task definition template']);
  });
});
