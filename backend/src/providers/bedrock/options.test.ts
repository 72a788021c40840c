import { assertValidOptions, type BedrockOptions } from './options';

const valid: BedrockOptions = {
  region: 'eu-west-1',
  embeddingModelId: 'amazon.titan-embed-text-v2:0',
  generationModelId: 'meta.llama3-8b-instruct-v1:0',
  maxAttempts: 3,
  requestTimeoutMs: 30_000,
  maxTokens: 512,
  temperature: 0.2,
};

test('accepts sensible settings', () => {
  expect(() => assertValidOptions(valid)).not.toThrow();
  expect(() => assertValidOptions({ ...valid, topP: 1, temperature: 0 })).not.toThrow();
});

test.each([
  [{ maxAttempts: 0 }, 'maxAttempts'],
  [{ maxAttempts: 1.5 }, 'maxAttempts'],
  [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
  [{ maxTokens: -1 }, 'maxTokens'],
  [{ temperature: 1.5 }, 'temperature'],
  [{ temperature: Number.NaN }, 'temperature'],
  [{ topP: 0 }, 'topP'],
  [{ region: ' ' }, 'region'],
  [{ generationModelId: '' }, 'generationModelId'],
])('rejects %j naming %s', (override, name) => {
  expect(() => assertValidOptions({ ...valid, ...override })).toThrow(
    new RegExp(`Invalid Bedrock provider options: .*${name}`),
  );
});
