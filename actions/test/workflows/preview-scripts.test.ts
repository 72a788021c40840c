import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCRIPTS_DIR } from './workflow-files';

type Env = Record<string, string | undefined>;
type Tools = { github: FakeGitHub; context: typeof context; core: FakeCore };
type Entry = (tools: Tools, env: Env) => Promise<unknown>;

// The scripts are plain CommonJS run by actions/github-script; typed here at the boundary.
const preview = require(join(SCRIPTS_DIR, 'preview.js')) as {
  start: Entry;
  finish: Entry;
  teardown: Entry;
  MARKER: string;
};
const cdkDiff = require(join(SCRIPTS_DIR, 'cdk-diff-comment.js')) as { post: Entry; MARKER: string };

const context = { serverUrl: 'https://github.com', repo: { owner: 'acme', repo: 'ragchat' }, runId: 4242 };
const RUN_URL = 'https://github.com/acme/ragchat/actions/runs/4242';
const SHA = 'f'.repeat(40);
const BACKEND = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/backend@sha256:${'1'.repeat(64)}`;
const FRONTEND = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/ragchat/frontend@sha256:${'2'.repeat(64)}`;

interface Comment {
  id: number;
  body: string;
}

function fakeGitHub(existing: { comments?: Comment[]; deployments?: { id: number }[] } = {}) {
  const comments = existing.comments ?? [];
  const listComments = jest.fn();
  const listDeployments = jest.fn();
  return {
    paginate: jest.fn(async (method: unknown) => {
      if (method === listComments) return comments;
      if (method === listDeployments) return existing.deployments ?? [];
      throw new Error('unexpected paginate');
    }),
    rest: {
      issues: {
        listComments,
        createComment: jest.fn(async () => ({ data: { id: 900 } })),
        updateComment: jest.fn(async () => ({})),
      },
      repos: {
        listDeployments,
        createDeployment: jest.fn(async () => ({ status: 201, data: { id: 77 } })),
        createDeploymentStatus: jest.fn(async () => ({})),
      },
    },
  };
}
type FakeGitHub = ReturnType<typeof fakeGitHub>;

interface FakeSummary {
  addHeading: jest.Mock<FakeSummary, [string]>;
  addRaw: jest.Mock<FakeSummary, [string]>;
  write: jest.Mock<Promise<FakeSummary>, []>;
}

function fakeCore() {
  const written: string[] = [];
  const summary: FakeSummary = {
    addHeading: jest.fn((text: string) => {
      written.push(text);
      return summary;
    }),
    addRaw: jest.fn((text: string) => {
      written.push(text);
      return summary;
    }),
    write: jest.fn(async () => summary),
  };
  return { setOutput: jest.fn(), summary, written };
}
type FakeCore = ReturnType<typeof fakeCore>;

const baseEnv = { PR_NUMBER: '42', HEAD_SHA: SHA, BACKEND_IMAGE: BACKEND, FRONTEND_IMAGE: FRONTEND };

describe('preview.start', () => {
  it('creates a transient preview/pr-<n> deployment with the contract payload and outputs its id', async () => {
    const github = fakeGitHub();
    const core = fakeCore();
    await preview.start({ github, context, core }, baseEnv);
    expect(github.rest.repos.createDeployment).toHaveBeenCalledWith(
      expect.objectContaining({
        owner: 'acme',
        repo: 'ragchat',
        ref: SHA,
        environment: 'preview/pr-42',
        transient_environment: true,
        production_environment: false,
        auto_merge: false,
        required_contexts: [],
        payload: { services: { backend: { image: BACKEND }, frontend: { image: FRONTEND } }, commit: SHA },
      }),
    );
    expect(github.rest.repos.createDeploymentStatus).toHaveBeenCalledWith(
      expect.objectContaining({ deployment_id: 77, state: 'in_progress', log_url: RUN_URL }),
    );
    expect(core.setOutput).toHaveBeenCalledWith('deployment-id', '77');
    expect(github.rest.issues.createComment).toHaveBeenCalledWith(
      expect.objectContaining({ issue_number: 42, body: expect.stringContaining('Deploying the preview') }),
    );
  });

  it('refuses a pull request number that is not a positive integer, before calling GitHub', async () => {
    const github = fakeGitHub();
    await expect(
      preview.start({ github, context, core: fakeCore() }, { ...baseEnv, PR_NUMBER: '42; rm' }),
    ).rejects.toThrow('PR_NUMBER must be a positive integer');
    expect(github.rest.repos.createDeployment).not.toHaveBeenCalled();
  });
});

describe('preview.finish', () => {
  it('marks success with the URL and edits the existing comment instead of adding one', async () => {
    const github = fakeGitHub({
      comments: [
        { id: 5, body: 'an unrelated comment' },
        { id: 6, body: `${preview.MARKER}\nold` },
      ],
    });
    const core = fakeCore();
    const env = {
      ...baseEnv,
      DEPLOYMENT_ID: '77',
      JOB_STATUS: 'success',
      PREVIEW_URL: 'http://alb.example/pr-42/',
    };
    await preview.finish({ github, context, core }, env);
    expect(github.rest.repos.createDeploymentStatus).toHaveBeenCalledWith(
      expect.objectContaining({
        deployment_id: 77,
        state: 'success',
        environment_url: 'http://alb.example/pr-42/',
      }),
    );
    expect(github.rest.issues.updateComment).toHaveBeenCalledWith(
      expect.objectContaining({
        comment_id: 6,
        body: expect.stringContaining('**URL:** http://alb.example/pr-42/'),
      }),
    );
    expect(github.rest.issues.createComment).not.toHaveBeenCalled();
    expect(core.written).toContain('Preview deployed');
  });

  it('marks failure without a URL when the job failed', async () => {
    const github = fakeGitHub();
    const core = fakeCore();
    await preview.finish(
      { github, context, core },
      { ...baseEnv, DEPLOYMENT_ID: '77', JOB_STATUS: 'failure' },
    );
    const status = github.rest.repos.createDeploymentStatus.mock.calls[0] as unknown as [
      Record<string, unknown>,
    ];
    expect(status[0]).toMatchObject({ state: 'failure' });
    expect(status[0]).not.toHaveProperty('environment_url');
    expect(github.rest.issues.createComment).toHaveBeenCalledWith(
      expect.objectContaining({ body: expect.stringContaining('Preview deployment failed') }),
    );
  });
});

describe('preview.teardown', () => {
  it('marks every deployment of the pull request inactive and says so in the comment', async () => {
    const github = fakeGitHub({ deployments: [{ id: 1 }, { id: 2 }] });
    await preview.teardown({ github, context, core: fakeCore() }, { PR_NUMBER: '42', HEAD_SHA: SHA });
    expect(github.rest.repos.listDeployments).not.toHaveBeenCalled();
    expect(github.paginate).toHaveBeenCalledWith(
      github.rest.repos.listDeployments,
      expect.objectContaining({ environment: 'preview/pr-42' }),
    );
    expect(github.rest.repos.createDeploymentStatus.mock.calls.map((call) => call)).toEqual([
      [{ owner: 'acme', repo: 'ragchat', deployment_id: 1, state: 'inactive' }],
      [{ owner: 'acme', repo: 'ragchat', deployment_id: 2, state: 'inactive' }],
    ]);
    expect(github.rest.issues.createComment).toHaveBeenCalledWith(
      expect.objectContaining({ body: expect.stringContaining('Preview destroyed') }),
    );
  });
});

describe('cdk-diff-comment.post', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdk-diff-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('posts the diff in a fenced block, truncated below GitHub’s comment limit', async () => {
    const file = join(dir, 'diff.txt');
    writeFileSync(file, `Stack ragchat-staging\n[~] AWS::ECS::Service\n\`\`\`\n${'x'.repeat(70_000)}`);
    const github = fakeGitHub();
    await cdkDiff.post(
      { github, context, core: fakeCore() },
      { DIFF_FILE: file, PR_NUMBER: '7', HEAD_SHA: SHA },
    );
    const [args] = github.rest.issues.createComment.mock.calls[0] as unknown as [
      { body: string; issue_number: number },
    ];
    expect(args.issue_number).toBe(7);
    expect(args.body.startsWith(`${cdkDiff.MARKER}\n`)).toBe(true);
    expect(args.body).toContain('[~] AWS::ECS::Service');
    expect(args.body).toContain('(truncated, see the job log)');
    expect(args.body.length).toBeLessThan(65_536);
    // A fence inside the diff must not close the comment's code block early.
    expect(args.body.match(/```/g)).toHaveLength(2);
  });
});
