import { AppError } from '../../src/errors';
import type { AnswerRequest, GenerationUsage } from '../../src/pipeline/types';
import { collect, useFakeBedrock } from './harness';
import {
  answerFrames,
  contentBlockStart,
  contentBlockStop,
  guardrailMetadata,
  messageStart,
  messageStop,
  stream,
  textDelta,
} from './replies';

const bedrock = useFakeBedrock();
const GUARDRAIL = { identifier: 'gr-1', version: '3' };

function question(overrides: Partial<AnswerRequest> = {}): AnswerRequest {
  return { question: 'Which shares should I buy?', history: [], sources: [], ...overrides };
}

/** What Bedrock sends when the input is blocked in sync mode: the blocked-input message, then the stop. */
const BLOCKED_INPUT_FRAMES = [
  messageStart(),
  contentBlockStart(),
  textDelta('Sorry, the model cannot answer this question.'),
  contentBlockStop(),
  messageStop('guardrail_intervened'),
  guardrailMetadata({
    inputAssessment: {
      'gr-1': {
        topicPolicy: { topics: [{ name: 'Investment advice', type: 'DENY', action: 'BLOCKED' }] },
        invocationMetrics: { guardrailProcessingLatency: 80 },
      },
    },
    actionReason: 'Guardrail blocked.',
  }),
];

test('passes the configured guardrail with tracing on', async () => {
  const { providers } = bedrock.setUp({ guardrail: { ...GUARDRAIL, streamProcessingMode: 'async' } });
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(['Fine.'])));
  await collect(providers.generator.streamAnswer(question()));
  expect(bedrock.fake.requests[0]?.body).toMatchObject({
    guardrailConfig: {
      guardrailIdentifier: 'gr-1',
      guardrailVersion: '3',
      streamProcessingMode: 'async',
      trace: 'enabled',
    },
  });
});

test('a blocked question ends the answer with guardrail_intervened, naming the question', async () => {
  const { providers } = bedrock.setUp({ guardrail: GUARDRAIL });
  bedrock.fake.enqueue('converse-stream', stream(BLOCKED_INPUT_FRAMES));
  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));
  expect(tokens.join('')).toBe('Sorry, the model cannot answer this question.');
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ status: 422, code: 'guardrail_intervened', expose: true });
  expect((error as AppError).message).toMatch(/content filter blocked this question/);
  expect(String((error as AppError).cause)).toMatch(/input policies: \[topicPolicy\]/);
  // One attempt: an intervention is an answer, not a failure worth retrying.
  expect(bedrock.fake.requests).toHaveLength(1);
});

test('an answer stopped midway (async mode) keeps its tokens and names the answer', async () => {
  const { providers } = bedrock.setUp({ guardrail: { ...GUARDRAIL, streamProcessingMode: 'async' } });
  bedrock.fake.enqueue(
    'converse-stream',
    stream([
      messageStart(),
      contentBlockStart(),
      textDelta('Here is how to '),
      textDelta('pick a lock'),
      contentBlockStop(),
      messageStop('guardrail_intervened'),
      guardrailMetadata({
        outputAssessments: {
          'gr-1': [
            { contentPolicy: { filters: [{ type: 'MISCONDUCT', confidence: 'HIGH', action: 'BLOCKED' }] } },
          ],
        },
      }),
    ]),
  );
  const { tokens, error } = await collect(providers.generator.streamAnswer(question()));
  expect(tokens).toEqual(['Here is how to ', 'pick a lock']);
  expect(error).toMatchObject({ status: 422, code: 'guardrail_intervened' });
  expect((error as AppError).message).toMatch(/content filter stopped this answer/);
  expect(String((error as AppError).cause)).toMatch(/output policies: \[contentPolicy\]/);
});

test('without a trace the intervention still ends the answer', async () => {
  const { providers } = bedrock.setUp({ guardrail: GUARDRAIL });
  bedrock.fake.enqueue(
    'converse-stream',
    stream([messageStart(), textDelta('Blocked.'), messageStop('guardrail_intervened')]),
  );
  const { error } = await collect(providers.generator.streamAnswer(question()));
  expect(error).toMatchObject({
    status: 422,
    code: 'guardrail_intervened',
    message: 'The content filter stopped this answer.',
  });
});

test("reports the model's output token count from the metadata event", async () => {
  const { providers } = bedrock.setUp();
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(['A', 'B'])));
  const usage: GenerationUsage[] = [];
  const { error } = await collect(
    providers.generator.streamAnswer(question({ onUsage: (u) => usage.push(u) })),
  );
  expect(error).toBeUndefined();
  expect(usage).toEqual([{ outputTokens: 7 }]);
});
