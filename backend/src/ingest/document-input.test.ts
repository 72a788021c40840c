import { AppError } from '../errors';
import { validateDocumentInput } from './document-input';

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('validateDocumentInput', () => {
  it('trims title and source, keeps content as given, defaults metadata to {}', () => {
    expect(validateDocumentInput({ title: '  Notes ', content: '  body\n', source: ' a.md ' })).toEqual({
      title: 'Notes',
      content: '  body\n',
      source: 'a.md',
      metadata: {},
      format: 'text',
      sections: undefined,
      fileSha256: undefined,
    });
    expect(validateDocumentInput({ title: 'T', content: 'c' }).source).toBeUndefined();
  });

  it.each([
    ['blank title', { title: ' ', content: 'c' }, 'title must not be empty'],
    ['blank content', { title: 'T', content: '\n \t' }, 'content must not be empty'],
    ['blank source', { title: 'T', content: 'c', source: ' ' }, 'source must not be empty when given'],
    [
      'array metadata',
      { title: 'T', content: 'c', metadata: JSON.parse('[1]') },
      'metadata must be a JSON object',
    ],
    [
      'string metadata',
      { title: 'T', content: 'c', metadata: JSON.parse('"text"') },
      'metadata must be a JSON object',
    ],
    ['NUL in content', { title: 'T', content: 'a\u0000b' }, 'content must not contain the NUL character'],
    ['NUL in title', { title: 'T\u0000', content: 'c' }, 'title must not contain the NUL character'],
    [
      'NUL in a nested metadata value',
      { title: 'T', content: 'c', metadata: { a: [{ b: 'x\u0000' }] } },
      'metadata',
    ],
    [
      'NUL in a metadata key',
      { title: 'T', content: 'c', metadata: { 'k\u0000': 1 } },
      'metadata must not contain',
    ],
  ])('rejects %s with a 400 naming the field', (_case, input, message) => {
    const error = rejection(() => validateDocumentInput(input));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_document',
      message: expect.stringContaining(message),
    });
  });

  it('accepts the text "\\u0000" written out, which PostgreSQL stores fine', () => {
    expect(
      validateDocumentInput({ title: 'T', content: 'c', metadata: { note: '\\u0000' } }).metadata,
    ).toEqual({
      note: '\\u0000',
    });
  });
});
