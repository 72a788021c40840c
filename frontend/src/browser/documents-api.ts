/**
 * The documents endpoints the admin view and the passage viewer use, decoded from untrusted JSON.
 * Uploads go through XMLHttpRequest because fetch cannot report upload progress.
 */
import { decodeErrorBody } from './protocol';

export interface DocumentRow {
  readonly id: string;
  readonly title: string;
  readonly source: string | null;
  readonly format: string;
  readonly chunkCount: number;
  readonly updatedAt: string;
}

export interface DocumentList {
  readonly items: readonly DocumentRow[];
  readonly total: number;
}

export interface Passage {
  readonly title: string;
  readonly format: string;
  readonly content: string;
  /** Where the passage is in `content`; null for chunks stored before offsets were kept. */
  readonly start: number | null;
  readonly end: number | null;
  readonly page: number | null;
  readonly headingPath: readonly string[];
  readonly passage: string;
}

export type FileUploadOutcome =
  | { readonly status: 'stored' | 'replaced' | 'unchanged'; readonly chunks: number }
  | { readonly status: 'rejected'; readonly message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const integerOrNull = (value: unknown): number | null => (Number.isInteger(value) ? (value as number) : null);

export async function listDocuments(
  apiBase: string,
  query: { readonly search: string; readonly limit: number; readonly offset: number },
): Promise<DocumentList> {
  const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
  if (query.search !== '') params.set('search', query.search);
  const body = await getJson(`${apiBase}/api/documents?${params}`);
  const items = Array.isArray(body.items) ? body.items.filter(isObject) : [];
  return {
    total: typeof body.total === 'number' ? body.total : 0,
    items: items.map((item) => ({
      id: text(item.id),
      title: text(item.title),
      source: typeof item.source === 'string' ? item.source : null,
      format: text(item.format) || 'text',
      chunkCount: typeof item.chunkCount === 'number' ? item.chunkCount : 0,
      updatedAt: text(item.updatedAt),
    })),
  };
}

export async function deleteDocument(apiBase: string, id: string): Promise<void> {
  const response = await fetch(`${apiBase}/api/documents/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!response.ok) throw await apiError(response);
}

export async function fetchPassage(apiBase: string, documentId: string, chunkId: string): Promise<Passage> {
  const body = await getJson(
    `${apiBase}/api/documents/${encodeURIComponent(documentId)}/passages/${encodeURIComponent(chunkId)}`,
  );
  const document = isObject(body.document) ? body.document : {};
  return {
    title: text(document.title),
    format: text(document.format),
    content: text(document.content),
    start: integerOrNull(body.start),
    end: integerOrNull(body.end),
    page: integerOrNull(body.page),
    headingPath: Array.isArray(body.headingPath)
      ? body.headingPath.filter((item) => typeof item === 'string')
      : [],
    passage: text(body.content),
  };
}

/** Uploads one file as multipart/form-data, reporting the share sent (0..1) as it goes. */
export function uploadFile(
  apiBase: string,
  file: File,
  onProgress: (share: number) => void,
): Promise<FileUploadOutcome> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `${apiBase}/api/documents`);
    request.responseType = 'text';
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    request.addEventListener('error', () =>
      reject(new ApiError(0, 'The upload failed: the server is not reachable')),
    );
    request.addEventListener('load', () => {
      let body: unknown;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      const outcome = isObject(body) && Array.isArray(body.results) ? body.results[0] : undefined;
      if (isObject(outcome)) {
        const status = outcome.status;
        if (status === 'stored' || status === 'replaced' || status === 'unchanged') {
          resolve({ status, chunks: typeof outcome.chunks === 'number' ? outcome.chunks : 0 });
          return;
        }
        const error = isObject(outcome.error) ? outcome.error : {};
        resolve({ status: 'rejected', message: text(error.message) || 'The file was rejected' });
        return;
      }
      const error = decodeErrorBody(body);
      reject(new ApiError(request.status, error?.message || `The upload failed (HTTP ${request.status})`));
    });
    const form = new FormData();
    form.append('files', file, file.name);
    request.send(form);
  });
}

async function getJson(url: string): Promise<Json> {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw await apiError(response);
  const body: unknown = await response.json();
  return isObject(body) ? body : {};
}

async function apiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  return new ApiError(response.status, decodeErrorBody(body)?.message || `HTTP ${response.status}`);
}
