// Posts `cdk diff` output on a pull request that touches infra/, as one comment kept up to date.
const fs = require('node:fs');
const { upsertComment } = require('./comment.js');

const MARKER = '<!-- ragchat-cdk-diff -->';
// GitHub rejects comment bodies over 65,536 characters; keep room for the surrounding text.
const MAX_DIFF_CHARS = 60000;

function diffBody(diff, sha) {
  const clipped =
    diff.length > MAX_DIFF_CHARS ? `${diff.slice(0, MAX_DIFF_CHARS)}\n… (truncated, see the job log)` : diff;
  return [
    `### \`cdk diff\` of every stack at \`${sha}\``,
    '',
    '```diff',
    clipped.replaceAll('```', "'''"),
    '```',
  ].join('\n');
}

async function post({ github, context }, env) {
  const diff = fs.readFileSync(env.DIFF_FILE, 'utf8');
  await upsertComment(github, {
    owner: context.repo.owner,
    repo: context.repo.repo,
    issueNumber: Number(env.PR_NUMBER),
    marker: MARKER,
    body: diffBody(diff, env.HEAD_SHA),
  });
}

module.exports = { post, diffBody, MARKER };
