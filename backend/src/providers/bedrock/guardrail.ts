import type { GuardrailAssessment, GuardrailTraceAssessment } from '@aws-sdk/client-bedrock-runtime';
import { AppError } from '../../errors';

/** ConverseStream's `messageStop.stopReason` when the guardrail blocked the input or the output. */
export const GUARDRAIL_STOP_REASON = 'guardrail_intervened';

/** Assessment members that are bookkeeping, not a policy that acted. */
const NOT_POLICIES = new Set(['invocationMetrics', 'appliedGuardrailDetails']);

/**
 * The guardrail ended the answer. 422: the request was well-formed but its content (or the answer
 * it led to) is refused; retrying the same question gets the same result. The policies that acted
 * (from the trace, when Bedrock sent one) are in `cause` for the log, not for the client.
 */
export class GuardrailInterventionError extends AppError {
  readonly side: 'question' | 'answer' | undefined;

  constructor(trace: GuardrailTraceAssessment | undefined) {
    const input = policiesOf(Object.values(trace?.inputAssessment ?? {}));
    const output = policiesOf(Object.values(trace?.outputAssessments ?? {}).flat());
    const side = input.length > 0 ? 'question' : output.length > 0 ? 'answer' : undefined;
    super(422, 'guardrail_intervened', messageFor(side), {
      cause: new Error(
        `guardrail intervened; input policies: [${input.join(', ')}], output policies: [${output.join(', ')}]` +
          (trace?.actionReason === undefined ? '' : `; reason: ${trace.actionReason}`),
      ),
    });
    this.side = side;
  }
}

function messageFor(side: 'question' | 'answer' | undefined): string {
  switch (side) {
    case 'question':
      return 'The content filter blocked this question, so it was not answered. Rephrase it and try again.';
    case 'answer':
      return 'The content filter stopped this answer. Try asking in a different way.';
    case undefined:
      return 'The content filter stopped this answer.';
  }
}

function policiesOf(assessments: readonly GuardrailAssessment[]): string[] {
  const names = new Set<string>();
  for (const assessment of assessments) {
    for (const [name, value] of Object.entries(assessment)) {
      if (value !== undefined && !NOT_POLICIES.has(name)) names.add(name);
    }
  }
  return [...names].sort();
}
