import {
  answerFrames,
  contentBlockStart,
  guardrailMetadata,
  messageStart,
  messageStop,
  stream,
  textDelta,
} from '../fake-bedrock/replies';
import { useBedrockModeApp } from './bedrock-app';
import { parseEventStream, postJson } from './harness';

/** Bedrock mode with a guardrail and a token allowance, against the fake Bedrock runtime. */
const bedrock = useBedrockModeApp({
  GUARDRAIL_ID: 'gr-1',
  GUARDRAIL_VERSION: '3',
  // answerFrames() reports outputTokens: 7 in its metadata event.
  GENERATED_TOKENS_PER_DAY: '10',
  QUERIES_PER_DAY: '100',
  TRUST_PROXY: 'true',
});

function ask(client: string, accept = 'text/event-stream') {
  return postJson(
    `${bedrock.app.url}/api/query`,
    { query: 'How does Fargate bill?' },
    { accept, 'x-forwarded-for': client },
  );
}

test('an intervention ends the streamed answer with a guardrail_intervened error event', async () => {
  bedrock.fake.enqueue(
    'converse-stream',
    stream([
      messageStart(),
      contentBlockStart(),
      textDelta('Sorry, I cannot help with that.'),
      messageStop('guardrail_intervened'),
      guardrailMetadata({ inputAssessment: { 'gr-1': { topicPolicy: { topics: [] } } } }),
    ]),
  );
  const response = await ask('client-a');
  expect(response.status).toBe(200);
  const events = parseEventStream(await response.text());
  expect(events.map((event) => event.event)).toEqual(['sources', 'token', 'error']);
  expect(events[2]?.data).toEqual({
    error: {
      code: 'guardrail_intervened',
      message: 'The content filter blocked this question, so it was not answered. Rephrase it and try again.',
    },
  });
  const sent = bedrock.fake.requests.find((request) => request.operation === 'converse-stream');
  expect(sent?.body).toMatchObject({
    guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: '3' },
  });
});

test('as JSON the intervention is a 422', async () => {
  bedrock.fake.enqueue(
    'converse-stream',
    stream([messageStart(), textDelta('No.'), messageStop('guardrail_intervened')]),
  );
  const response = await ask('client-b', 'application/json');
  expect(response.status).toBe(422);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('guardrail_intervened');
});

test("the token allowance counts Bedrock's own outputTokens", async () => {
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(['Fargate ', 'bills ', 'per second.'])));
  bedrock.fake.enqueue('converse-stream', stream(answerFrames(['Per ', 'second.'])));
  expect((await ask('client-c', 'application/json')).status).toBe(200); // 7 of 10
  expect((await ask('client-c', 'application/json')).status).toBe(200); // 14 of 10
  const refused = await ask('client-c', 'application/json');
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
    /reached the daily limit of 10 generated tokens/,
  );
});
