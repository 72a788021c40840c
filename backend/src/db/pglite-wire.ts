import { Duplex } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';

/**
 * An in-process socket to PGlite for node-postgres: what the client writes goes to PGlite's
 * backend as it is, and what the backend answers comes back as the bytes a server would send, so
 * node-postgres' own protocol parser reads them.
 *
 * node-postgres corks the socket while it writes one query's messages (Bind, Describe, Execute,
 * Sync), so they reach `_writev` together and the backend runs them in one call.
 * `@electric-sql/pglite/node-postgres` (createPgConfig) instead runs each message on its own and
 * parses every reply with PGlite's parser before handing node-postgres message objects: at 10,261
 * chunks a retriever call cost 9.5 ms of CPU that way against 8.4 ms through this socket, for the
 * same results (BENCHMARKS.md, Embedded default).
 *
 * One PGlite is one backend session: every socket opened on it shares that session (prepared
 * statements, settings, an open transaction). Only a pool of one connection may use it, and a new
 * socket finds what an earlier one left (see database.ts).
 */
export class PgliteSocket extends Duplex {
  private readonly pglite: PGlite;

  constructor(pglite: PGlite) {
    super();
    this.pglite = pglite;
  }

  /** node-postgres' socket interface: there is nothing to connect to. */
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.exchange(chunk).then(() => callback(), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.exchange(Buffer.concat(chunks.map(({ chunk }) => chunk))).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.push(null);
    callback();
  }

  /**
   * Runs `messages` on the backend (PGlite's query lock held) and passes its reply on as it comes:
   * execProtocolRawStream hands over the backend's output without parsing it (execProtocolRaw
   * would also run PGlite's own parser over every reply). Each piece is a view of WebAssembly
   * memory, valid only during the call, so it is copied.
   */
  private async exchange(messages: Buffer): Promise<void> {
    const reply: Buffer[] = [];
    await this.pglite.runExclusive(() =>
      this.pglite.execProtocolRawStream(messages, { onRawData: (data) => reply.push(Buffer.from(data)) }),
    );
    for (const piece of reply) this.push(piece);
  }
}
