/**
 * What both services share, exported to the frontend as `@ragchat/backend/service-kit`. The
 * OpenTelemetry SDK is its own entry point (`@ragchat/backend/service-kit/tracing`), loaded only
 * when traces are exported.
 */
export * from './alb-token';
export * from './config-error';
export * from './logger';
export * from './spans';
export * from './tracing-config';
