import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface StoredDocument {
  readonly id: string;
  readonly source: string;
  readonly fileSha256: string | null;
}

export interface UploadOutcome {
  readonly file: string;
  readonly status: 'stored' | 'replaced' | 'unchanged' | 'rejected';
  readonly chunks?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The backend answered in a way that stops the whole run (wrong token, not a ragchat backend). */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

const PAGE_SIZE = 100;

/** The few calls the ingest CLI makes, against the documented API (GET/POST/DELETE /api/documents). */
export class BackendClient {
  constructor(
    private readonly baseUrl: URL,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Every stored document that has a source, by source. */
  async listSources(): Promise<Map<string, StoredDocument>> {
    const found = new Map<string, StoredDocument>();
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const response = await this.request(`api/documents?limit=${PAGE_SIZE}&offset=${offset}`, {
        method: 'GET',
      });
      const page = (await response.json()) as { items: StoredDocument[]; total: number };
      for (const item of page.items) if (item.source !== null) found.set(item.source, item);
      if (page.items.length < PAGE_SIZE || offset + PAGE_SIZE >= page.total) return found;
    }
  }

  /**
   * Uploads one file under `source`; a refusal of the file itself comes back as a rejected outcome.
   * The file streams from disk into the request through node:http, whose backpressure holds only a
   * few chunks at a time: fetch was measured to keep every chunk of a streamed body live until the
   * upload ended (the whole file, 64 MiB for a 64 MiB file, on Node 22).
   */
  async upload(path: string, source: string, signal?: AbortSignal): Promise<UploadOutcome> {
    const url = this.url('api/documents');
    const boundary = `ragchat-${randomUUID()}`;
    const fileName = (source || basename(path)).replace(/["\\\r\n]/g, (char) => encodeURIComponent(char));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': `multipart/form-data; boundary=${boundary}`,
    };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', headers, ...(signal ? { signal } : {}) });
    const answered = new Promise<IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${fileName}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      );
      yield* createReadStream(path);
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    // A backend that answers early (and closes) ends the upload; its answer is what counts.
    const sent = pipeline(body, request).catch(() => undefined);
    const response = await answered;
    let text = '';
    for await (const chunk of response) text += chunk;
    await sent;
    const status = response.statusCode ?? 0;
    this.checkStatus(url, 'POST', status, text, true);
    const parsed = JSON.parse(text) as {
      results?: UploadOutcome[];
      error?: { code: string; message: string };
    };
    const outcome = parsed.results?.[0];
    if (outcome !== undefined) return outcome;
    return {
      file: source,
      status: 'rejected',
      error: parsed.error ?? { code: `http_${status}`, message: `HTTP ${status}` },
    };
  }

  async delete(id: string): Promise<void> {
    await this.request(`api/documents/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    const url = this.url(path);
    const response = await this.fetchImpl(url, { ...init, headers });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      this.checkStatus(url, init.method ?? 'GET', response.status, text, false);
    }
    return response;
  }

  private url(path: string): URL {
    return new URL(path, this.baseUrl.href.endsWith('/') ? this.baseUrl : `${this.baseUrl.href}/`);
  }

  /** Throws for an answer that stops the run; a 4xx about the uploaded file is the file's outcome. */
  private checkStatus(
    url: URL,
    method: string,
    status: number,
    text: string,
    fileErrorsAreOutcomes: boolean,
  ) {
    if (status === 401 || status === 403) {
      throw new BackendError(
        `${url.origin} refused the admin request (HTTP ${status}): pass --token or set ADMIN_TOKEN`,
      );
    }
    if ((status >= 200 && status < 300) || (fileErrorsAreOutcomes && status >= 400 && status < 500)) return;
    throw new BackendError(`${method} ${url.pathname} failed: HTTP ${status} ${text.slice(0, 300)}`);
  }
}
