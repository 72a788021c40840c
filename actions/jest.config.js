/**
 * Tests live beside each action's sources (`<action>/src`) and, for workflow tests, in `test/`.
 * @actions/github pulls in ESM-only Octokit packages that publish only an `import` export condition:
 * jest.resolver.js resolves that condition for them, and they are transformed to CommonJS like @actions.
 */
const { esmOnly } = require('./jest.resolver.js');

module.exports = require('../jest.preset.js')('actions', {
  testMatch: ['<rootDir>/*/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  resolver: '<rootDir>/jest.resolver.js',
  // The deploy rehearsal (test/rehearsal) runs bundles built from rehearsal/src.
  globalSetup: '<rootDir>/rehearsal/global-setup.mjs',
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`, '/rehearsal/build/', '/cdk.out/'],
});
