import { AppError } from '../../errors';
import { EMBEDDING_DIMENSIONS } from '../../pipeline/types';
import { MalformedResponseError } from './error-mapping';
import { parseTitanEmbedding, titanRequestBody } from './titan';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

test('the request asks for 1024 normalized dimensions', () => {
  expect(JSON.parse(titanRequestBody('hello'))).toEqual({
    inputText: 'hello',
    dimensions: 1024,
    normalize: true,
  });
});

test('texts Titan would refuse are rejected with a 400 naming the limit', () => {
  expect(() => titanRequestBody('')).toThrow(AppError);
  expect(() => titanRequestBody('x'.repeat(50_001))).toThrow(/50001 characters.*at most 50000/);
  expect(() => titanRequestBody('x'.repeat(50_000))).not.toThrow();
});

test('a valid embedding comes back as a unit vector', () => {
  const vector = Array.from({ length: EMBEDDING_DIMENSIONS }, (_, index) =>
    index === 0 ? 3 : index === 1 ? 4 : 0,
  );

  const parsed = parseTitanEmbedding(encode({ embedding: vector, inputTextTokenCount: 2 }));

  expect(parsed.slice(0, 3)).toEqual([0.6, 0.8, 0]);
  expect(parsed).toHaveLength(EMBEDDING_DIMENSIONS);
});

test.each([
  ['an empty body', undefined],
  ['plain text', Buffer.from('nope')],
  ['JSON null', encode(null)],
  ['a missing embedding', encode({ inputTextTokenCount: 1 })],
  ['1536 dimensions (Titan V1)', encode({ embedding: new Array(1536).fill(0.1) })],
  ['a string inside', encode({ embedding: [...new Array(EMBEDDING_DIMENSIONS - 1).fill(0.1), '0.1'] })],
  ['the zero vector', encode({ embedding: new Array(EMBEDDING_DIMENSIONS).fill(0) })],
])('%s is a malformed response', (_, body) => {
  expect(() => parseTitanEmbedding(body)).toThrow(MalformedResponseError);
});
