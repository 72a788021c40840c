import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { answerTextOf, converseStreamInput } from './converse';

const prompt = {
  system: 'Answer from the sources.',
  messages: [
    { role: 'user' as const, content: 'Hi' },
    { role: 'assistant' as const, content: 'Hello' },
    { role: 'user' as const, content: 'What is ECS?' },
  ],
};

test('maps the prompt to Converse system and content blocks with the inference settings', () => {
  const input = converseStreamInput('m', prompt, { maxTokens: 100, temperature: 0, topP: 0.5 }, undefined);

  expect(input).toEqual({
    modelId: 'm',
    system: [{ text: 'Answer from the sources.' }],
    messages: [
      { role: 'user', content: [{ text: 'Hi' }] },
      { role: 'assistant', content: [{ text: 'Hello' }] },
      { role: 'user', content: [{ text: 'What is ECS?' }] },
    ],
    inferenceConfig: { maxTokens: 100, temperature: 0, topP: 0.5 },
  });
});

test('omits an empty system prompt and an unset topP (Bedrock rejects empty text blocks)', () => {
  const input = converseStreamInput(
    'm',
    { ...prompt, system: '' },
    { maxTokens: 1, temperature: 1 },
    undefined,
  );

  expect(input).not.toHaveProperty('system');
  expect(input.inferenceConfig).toEqual({ maxTokens: 1, temperature: 1 });
});

test('adds the guardrail with its stream processing mode when configured', () => {
  const input = converseStreamInput(
    'm',
    prompt,
    { maxTokens: 1, temperature: 1 },
    { identifier: 'gr', version: 'DRAFT', streamProcessingMode: 'async' },
  );

  expect(input.guardrailConfig).toEqual({
    guardrailIdentifier: 'gr',
    guardrailVersion: 'DRAFT',
    streamProcessingMode: 'async',
    trace: 'enabled',
  });
});

test('only non-empty text deltas are answer text', () => {
  const events: ConverseStreamOutput[] = [
    { messageStart: { role: 'assistant' } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hi' } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: '' } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { toolUse: { input: '{}' } } } },
    { messageStop: { stopReason: 'end_turn' } },
  ];

  expect(events.map(answerTextOf)).toEqual([undefined, 'Hi', undefined, undefined, undefined]);
});
