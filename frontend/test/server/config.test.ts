import { ConfigError } from '@ragchat/backend/service-kit';
import { parseConfig } from '../../src/server/config';

const ALB_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/ragchat-prod/50dc6c495c0c9188';

describe('parseConfig', () => {
  test('fills every default from an empty environment', () => {
    const config = parseConfig({});

    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      backendUrl: new URL('http://127.0.0.1:8000'),
      basePath: '',
      proxyTimeoutMs: 30_000,
      signIn: { mode: 'off' },
      hstsMaxAgeSeconds: 31_536_000,
      trustProxy: false,
      tracing: { exporter: 'none' },
      maxRequestBodyBytes: 21 * 1_048_576,
    });
  });

  test('reads every variable', () => {
    const config = parseConfig({
      FRONTEND_PORT: '0',
      FRONTEND_HOST: '127.0.0.1',
      BACKEND_URL: 'http://backend.ragchat-staging.local:8000',
      BASE_PATH: '/pr-42/',
      PROXY_TIMEOUT_MS: '1500',
      SIGNIN_MODE: 'alb',
      SIGNIN_ALB_ARN: ALB_ARN,
      SIGNIN_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      SIGNIN_CLIENT_ID: 'client-1',
      HSTS_MAX_AGE: '600',
      TRUST_PROXY: 'true',
      OTEL_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      TRACE_SAMPLE_RATE: '0.5',
      MAX_REQUEST_BODY_BYTES: '5000000',
    });

    expect(config).toEqual({
      port: 0,
      host: '127.0.0.1',
      backendUrl: new URL('http://backend.ragchat-staging.local:8000'),
      basePath: '/pr-42',
      proxyTimeoutMs: 1500,
      signIn: {
        mode: 'alb',
        albArn: ALB_ARN,
        keyEndpoint: 'https://public-keys.auth.elb.eu-west-1.amazonaws.com',
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
        clientId: 'client-1',
      },
      hstsMaxAgeSeconds: 600,
      trustProxy: true,
      tracing: { exporter: 'otlp', endpoint: 'http://127.0.0.1:4318', sampleRate: 0.5 },
      maxRequestBodyBytes: 5_000_000,
    });
  });

  test.each([
    ['/', ''],
    ['', ''],
    ['/pr-42', '/pr-42'],
    ['/preview/pr-7//', '/preview/pr-7'],
  ])('normalizes BASE_PATH %j to %j', (raw, expected) => {
    expect(parseConfig({ BASE_PATH: raw }).basePath).toBe(expected);
  });

  test.each([
    ['FRONTEND_PORT', 'abc', /FRONTEND_PORT must be a whole number/],
    ['FRONTEND_PORT', '70000', /FRONTEND_PORT must be a number from 0 to 65535/],
    ['FRONTEND_PORT', '-1', /FRONTEND_PORT/],
    ['PROXY_TIMEOUT_MS', '0', /PROXY_TIMEOUT_MS must be a number from 1/],
    ['BACKEND_URL', 'not a url', /BACKEND_URL is not a valid URL/],
    ['BACKEND_URL', 'ftp://backend', /BACKEND_URL must be an http or https URL/],
    ['BACKEND_URL', 'http://user:pw@backend', /BACKEND_URL must not carry credentials/],
    ['BASE_PATH', 'pr-42', /BASE_PATH must be "" or a path like \/pr-42/],
    ['BASE_PATH', '/pr 42', /BASE_PATH/],
    ['BASE_PATH', '/pr-42/"><script>', /BASE_PATH/],
    ['SIGNIN_MODE', 'cognito', /SIGNIN_MODE must be off, alb or local/],
    ['OTEL_EXPORTER', 'xray', /OTEL_EXPORTER must be one of none, otlp/],
    ['SIGNIN_MODE', 'alb', /SIGNIN_ALB_ARN is required when SIGNIN_MODE=alb/],
    ['HSTS_MAX_AGE', 'forever', /HSTS_MAX_AGE must be a whole number/],
    ['TRUST_PROXY', 'yes', /TRUST_PROXY must be true or false/],
  ])('rejects %s=%j naming the variable', (variable, value, message) => {
    const parse = () => parseConfig({ [variable]: value });

    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(message);
  });

  test('rejects an ARN that is not an application load balancer', () => {
    expect(() =>
      parseConfig({
        SIGNIN_MODE: 'alb',
        SIGNIN_ALB_ARN: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/x/1',
      }),
    ).toThrow(/SIGNIN_ALB_ARN must be an application load balancer ARN/);
  });
});
