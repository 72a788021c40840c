import { createHmac } from 'node:crypto';

/** GitHub's OIDC issuer; IAM providers must be registered for this URL. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * Signs and checks the job OIDC tokens. GitHub signs RS256 with keys published at the issuer's JWKS;
 * the model shares one HMAC key between its GitHub and STS halves instead (the claims are what matter).
 */
export class OidcSigner {
  constructor(private readonly key: string) {}

  sign(claims: Record<string, unknown>): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = `${encode({ alg: 'HS256', typ: 'JWT', kid: 'rehearsal' })}.${encode(claims)}`;
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  /** The claims of a token this signer issued, or undefined when it is forged or malformed. */
  verify(token: string): Record<string, unknown> | undefined {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return undefined;
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    if (expected !== signature) return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  }
}
