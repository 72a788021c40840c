import type { ExtractedDocument } from './extracted-document';

export function extractPlainText(content: string): ExtractedDocument {
  return { format: 'text', title: undefined, content, sections: [{ start: 0, end: content.length }] };
}
