// Validates the rollback workflow's dispatch inputs before anything touches AWS, so a typo fails in
// seconds with a message naming the input instead of half-way through a production rollback.
// Runs on the runner's own Node (no install step) and is imported by the jest tests.
const fs = require('node:fs');

const ENVIRONMENTS = ['staging', 'prod'];
const SERVICES = ['backend', 'frontend'];
const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:[1-9]\d*$/;
const FAMILY_REVISION = /^[A-Za-z0-9_-]{1,255}:[1-9]\d*$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const COMMIT_SHA = /^[a-f0-9]{40}$/;
const MAX_REASON_LENGTH = 500;

class RollbackInputError extends Error {
  constructor(input, message) {
    super(`Input "${input}": ${message}`);
    this.name = 'RollbackInputError';
    this.input = input;
  }
}

function classifyTarget(raw) {
  const target = raw.trim();
  if (target === '') return { kind: 'previous', value: '' };
  if (TASK_DEFINITION_ARN.test(target) || FAMILY_REVISION.test(target)) {
    return { kind: 'task-definition', value: target };
  }
  const lower = target.toLowerCase();
  if (IMAGE_DIGEST.test(lower)) return { kind: 'image-digest', value: lower };
  if (COMMIT_SHA.test(lower)) return { kind: 'commit', value: lower };
  throw new RollbackInputError(
    'target',
    `"${target}" is not empty, a task definition ARN, a family:revision, an image digest ` +
      '(sha256: followed by 64 hex digits) or a full 40-hex commit SHA',
  );
}

/**
 * Returns the services to roll back and what to roll them back to, or throws RollbackInputError.
 * A task definition or a digest belongs to exactly one service, so neither may target "both".
 */
function parseRollbackInputs({ environment = '', service = '', target = '', reason = '' }) {
  if (!ENVIRONMENTS.includes(environment)) {
    throw new RollbackInputError('environment', `"${environment}" is not one of ${ENVIRONMENTS.join(', ')}`);
  }
  if (!SERVICES.includes(service) && service !== 'both') {
    throw new RollbackInputError('service', `"${service}" is not one of ${SERVICES.join(', ')}, both`);
  }
  const services = service === 'both' ? [...SERVICES] : [service];
  const resolved = classifyTarget(target);
  if (services.length > 1 && (resolved.kind === 'task-definition' || resolved.kind === 'image-digest')) {
    throw new RollbackInputError(
      'target',
      `a ${resolved.kind} belongs to a single service; choose backend or frontend, or use a commit SHA or an empty target for both`,
    );
  }
  const trimmedReason = reason.trim();
  if (trimmedReason === '')
    throw new RollbackInputError('reason', 'is required (why is this rollback needed?)');
  if (trimmedReason.length > MAX_REASON_LENGTH) {
    throw new RollbackInputError('reason', `must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return { environment, services, kind: resolved.kind, target: resolved.value, reason: trimmedReason };
}

function main(env) {
  try {
    const result = parseRollbackInputs({
      environment: env.INPUT_ENVIRONMENT,
      service: env.INPUT_SERVICE,
      target: env.INPUT_TARGET,
      reason: env.INPUT_REASON,
    });
    fs.appendFileSync(
      env.GITHUB_OUTPUT,
      `services=${JSON.stringify(result.services)}\nkind=${result.kind}\ntarget=${result.target}\n`,
    );
    const what =
      result.kind === 'previous' ? 'the previous successful deployment' : `${result.kind} ${result.target}`;
    console.log(`Rolling back ${result.services.join(' and ')} in ${result.environment} to ${what}.`);
    return 0;
  } catch (error) {
    if (!(error instanceof RollbackInputError)) throw error;
    // Newlines would split the workflow command, letting the input inject further commands.
    console.log(`::error title=Invalid rollback input::${error.message.replace(/[\r\n%]/g, ' ')}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.env);

module.exports = { parseRollbackInputs, classifyTarget, RollbackInputError, main };
