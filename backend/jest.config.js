/**
 * The backend's jest project. globalSetup starts a throwaway PostgreSQL 15 + pgvector cluster for the
 * real-database integration tier (test/support/global-setup.ts) and shares its URL with the workers.
 */
module.exports = require('../jest.preset.js')('backend', {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
});
