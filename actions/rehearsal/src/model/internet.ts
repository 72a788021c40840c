import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * Writes a self-signed certificate for `hosts` (also its own CA, so curl can trust it through
 * `cacert`) to `certFile`; returns the key file.
 */
export function issueCertificate(
  dir: string,
  name: string,
  commonName: string,
  hosts: readonly string[],
  certFile: string,
): string {
  const key = join(dir, `${name}-key.pem`);
  const config = join(dir, `${name}.cnf`);
  writeFileSync(
    config,
    `[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=${commonName}\n[ext]\nbasicConstraints=critical,CA:TRUE\nsubjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\n`,
  );
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      certFile,
      '-config',
      config,
    ],
    { stdio: 'ignore' },
  );
  return key;
}

/**
 * The rehearsal has no internet: this HTTPS server stands in for the few public URLs the workflows
 * download from, with a certificate from a throwaway CA that the jobs' curl trusts (~/.curlrc).
 */
export class Internet {
  private server: Server | undefined;
  port = 0;
  readonly caFile: string;
  private readonly files = new Map<string, string>();

  constructor(
    private readonly dir: string,
    readonly hosts: readonly string[],
  ) {
    this.caFile = join(dir, 'internet-ca.pem');
  }

  /** Serves `body` at `url`; returns its sha256 (hex). */
  serve(url: string, body: string): string {
    this.files.set(url, body);
    return createHash('sha256').update(body).digest('hex');
  }

  async start(): Promise<void> {
    const key = issueCertificate(this.dir, 'internet', 'rehearsal internet', this.hosts, this.caFile);
    this.server = createServer(
      { key: readFileSync(key), cert: readFileSync(this.caFile) },
      (request, response) => {
        const url = `https://${request.headers.host}${request.url}`;
        const body = this.files.get(url);
        response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/octet-stream' });
        response.end(body ?? `the rehearsal's internet stand-in has no ${url}\n`);
      },
    );
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  curlConfig(): string[] {
    return [
      `cacert = "${this.caFile}"`,
      ...this.hosts.map((host) => `connect-to = "${host}:443:127.0.0.1:${this.port}"`),
    ];
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(resolve);
    });
  }
}
