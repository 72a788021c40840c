/** The backend's modules import the logger from here; its one definition is in @ragchat/observability. */
export * from '@ragchat/observability/logger';
