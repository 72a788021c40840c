/** Where the previous page of a newest-first listing ended: its last row's `updated_at` and id. */
export interface PageCursor {
  readonly updatedAt: Date;
  readonly id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: base64url of `<epoch ms>.<id>`. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.updatedAt.getTime()}.${cursor.id}`).toString('base64url');
}

/** The cursor `encodeCursor` made, or undefined for anything else. */
export function decodeCursor(text: string): PageCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const match = /^(\d{1,15})\.(.+)$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match?.[1] === undefined || match[2] === undefined || !UUID.test(match[2])) return undefined;
  return { updatedAt: new Date(Number(match[1])), id: match[2] };
}
