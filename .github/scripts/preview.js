// GitHub side of a pull request preview: the transient Deployment (environment preview/pr-<n>, payload
// as in docs/deploy-contract.md) and the one PR comment with the URL and status. Called from
// actions/github-script steps with the values in environment variables, never interpolated code.
const { upsertComment } = require('./comment.js');

const MARKER = '<!-- ragchat-preview -->';

function requireEnv(env, name) {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is required`);
  return value;
}

function prNumberOf(env) {
  const raw = requireEnv(env, 'PR_NUMBER');
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`PR_NUMBER must be a positive integer, got "${raw}"`);
  return Number(raw);
}

function environmentName(prNumber) {
  return `preview/pr-${prNumber}`;
}

function runUrl(context) {
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
}

function commentBody({ state, url, sha, backendImage, frontendImage, run }) {
  const headline = {
    in_progress: ':hourglass_flowing_sand: Deploying the preview',
    success: ':white_check_mark: Preview is up',
    failure: ':x: Preview deployment failed',
    inactive: ':wastebasket: Preview destroyed (pull request closed)',
  }[state];
  const lines = [`### ${headline}`, ''];
  if (url && state === 'success') lines.push(`**URL:** ${url}`, '');
  lines.push('| | |', '|---|---|', `| Commit | \`${sha}\` |`);
  if (backendImage) lines.push(`| Backend image | \`${backendImage}\` |`);
  if (frontendImage) lines.push(`| Frontend image | \`${frontendImage}\` |`);
  lines.push(`| Workflow run | ${run} |`);
  if (state === 'failure')
    lines.push('', 'The job summary of the run says which step failed; push a fix to redeploy.');
  return lines.join('\n');
}

async function comment({ github, context }, prNumber, fields) {
  await upsertComment(github, {
    owner: context.repo.owner,
    repo: context.repo.repo,
    issueNumber: prNumber,
    marker: MARKER,
    body: commentBody({ ...fields, run: runUrl(context) }),
  });
}

/** Creates the Deployment in state in_progress and outputs its id as `deployment-id`. */
async function start(tools, env) {
  const { github, context, core } = tools;
  const prNumber = prNumberOf(env);
  const sha = requireEnv(env, 'HEAD_SHA');
  const backendImage = requireEnv(env, 'BACKEND_IMAGE');
  const frontendImage = requireEnv(env, 'FRONTEND_IMAGE');
  const { owner, repo } = context.repo;
  const created = await github.rest.repos.createDeployment({
    owner,
    repo,
    ref: sha,
    environment: environmentName(prNumber),
    transient_environment: true,
    production_environment: false,
    auto_merge: false,
    required_contexts: [],
    description: `Preview of pull request #${prNumber}`,
    payload: {
      services: { backend: { image: backendImage }, frontend: { image: frontendImage } },
      commit: sha,
    },
  });
  if (created.status !== 201)
    throw new Error(`GitHub did not create the deployment: ${JSON.stringify(created.data)}`);
  const deploymentId = created.data.id;
  await github.rest.repos.createDeploymentStatus({
    owner,
    repo,
    deployment_id: deploymentId,
    state: 'in_progress',
    log_url: runUrl(context),
  });
  await comment(tools, prNumber, { state: 'in_progress', sha, backendImage, frontendImage });
  core.setOutput('deployment-id', String(deploymentId));
  return deploymentId;
}

/** Marks the Deployment success (with the URL) or failure, and updates the comment to match. */
async function finish(tools, env) {
  const { github, context, core } = tools;
  const prNumber = prNumberOf(env);
  const state = env.JOB_STATUS === 'success' ? 'success' : 'failure';
  const url = state === 'success' ? requireEnv(env, 'PREVIEW_URL') : '';
  const { owner, repo } = context.repo;
  if (env.DEPLOYMENT_ID) {
    await github.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: Number(env.DEPLOYMENT_ID),
      state,
      log_url: runUrl(context),
      ...(url ? { environment_url: url } : {}),
      auto_inactive: true,
    });
  }
  await comment(tools, prNumber, {
    state,
    url,
    sha: requireEnv(env, 'HEAD_SHA'),
    backendImage: env.BACKEND_IMAGE,
    frontendImage: env.FRONTEND_IMAGE,
  });
  await core.summary
    .addHeading(state === 'success' ? 'Preview deployed' : 'Preview deployment failed', 3)
    .addRaw(url ? `URL: ${url}` : 'See the failed step above.', true)
    .write();
}

/** After the stack is gone: every Deployment of the PR's environment becomes inactive. */
async function teardown(tools, env) {
  const { github, context } = tools;
  const prNumber = prNumberOf(env);
  const { owner, repo } = context.repo;
  const deployments = await github.paginate(github.rest.repos.listDeployments, {
    owner,
    repo,
    environment: environmentName(prNumber),
    per_page: 100,
  });
  for (const deployment of deployments) {
    await github.rest.repos.createDeploymentStatus({
      owner,
      repo,
      deployment_id: deployment.id,
      state: 'inactive',
    });
  }
  await comment(tools, prNumber, { state: 'inactive', sha: requireEnv(env, 'HEAD_SHA') });
}

module.exports = { start, finish, teardown, MARKER };
