import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsError } from './errors';

/** JSON 1.1 targets (X-Amz-Target prefixes) and the service each names. */
export const JSON_TARGETS: Record<string, string> = {
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
  AmazonEC2ContainerServiceV20141113: 'ecs',
  CodeDeploy_20141006: 'codedeploy',
  AmazonSSM: 'ssm',
  secretsmanager: 'secretsmanager',
};

/** Query-protocol namespaces, for the XML responses. */
export const QUERY_NAMESPACES: Record<string, string> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  elasticloadbalancing: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
};

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The access key id and service from a SigV4 Authorization header. */
export function signer(authorization: string | undefined): { accessKeyId?: string; service?: string } {
  const match = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return match ? { accessKeyId: match[1] ?? '', service: match[2] ?? '' } : {};
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify(body ?? {}));
}

export function sendJsonError(response: ServerResponse, error: AwsError): void {
  response.writeHead(error.status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-errortype': error.code,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(JSON.stringify({ __type: error.code, message: error.message }));
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Query-protocol XML: objects as elements, arrays as <member> lists. */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => `<${key}>${toXml(v)}</${key}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function sendQuery(response: ServerResponse, service: string, action: string, result: unknown): void {
  const namespace = QUERY_NAMESPACES[service] ?? '';
  response.writeHead(200, { 'content-type': 'text/xml' });
  response.end(
    `<${action}Response xmlns="${namespace}"><${action}Result>${toXml(result)}</${action}Result>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

export function sendQueryError(response: ServerResponse, error: AwsError): void {
  response.writeHead(error.status, { 'content-type': 'text/xml' });
  response.end(
    `<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}
