import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

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

  /** Uploads one file under `source`; a refusal of the file itself comes back as a rejected outcome. */
  async upload(path: string, source: string, signal?: AbortSignal): Promise<UploadOutcome> {
    const form = new FormData();
    form.append('files', new Blob([await readFile(path)]), source || basename(path));
    const response = await this.request(
      'api/documents',
      { method: 'POST', body: form, ...(signal ? { signal } : {}) },
      true,
    );
    const body = (await response.json()) as {
      results?: UploadOutcome[];
      error?: { code: string; message: string };
    };
    const outcome = body.results?.[0];
    if (outcome !== undefined) return outcome;
    return {
      file: source,
      status: 'rejected',
      error: body.error ?? { code: `http_${response.status}`, message: `HTTP ${response.status}` },
    };
  }

  async delete(id: string): Promise<void> {
    await this.request(`api/documents/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  private async request(path: string, init: RequestInit, fileErrorsAreOutcomes = false): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    const url = new URL(path, this.baseUrl.href.endsWith('/') ? this.baseUrl : `${this.baseUrl.href}/`);
    const response = await this.fetchImpl(url, { ...init, headers });
    if (response.status === 401 || response.status === 403) {
      throw new BackendError(
        `${url.origin} refused the admin request (HTTP ${response.status}): pass --token or set ADMIN_TOKEN`,
      );
    }
    if (response.ok || (fileErrorsAreOutcomes && response.status >= 400 && response.status < 500))
      return response;
    const text = await response.text().catch(() => '');
    throw new BackendError(
      `${init.method} ${url.pathname} failed: HTTP ${response.status} ${text.slice(0, 300)}`,
    );
  }
}
