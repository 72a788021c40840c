/** Tests live beside each action's sources (`<action>/src`) and, for workflow tests, in `test/`. */
module.exports = require('../jest.preset.js')('actions', {
  testMatch: ['<rootDir>/*/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
});
