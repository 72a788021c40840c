// One bot comment per pull request and purpose, found again by a hidden marker and edited in place, so
// a busy pull request shows the current state instead of a stack of stale comments.

/** Creates the comment carrying `marker`, or replaces the body of the one that already does. */
async function upsertComment(github, { owner, repo, issueNumber, marker, body }) {
  const fullBody = `${marker}\n${body}`;
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const existing = comments.find(
    (comment) => typeof comment.body === 'string' && comment.body.startsWith(marker),
  );
  if (existing) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body: fullBody });
    return existing.id;
  }
  const created = await github.rest.issues.createComment({
    owner,
    repo,
    issue_number: issueNumber,
    body: fullBody,
  });
  return created.data.id;
}

module.exports = { upsertComment };
