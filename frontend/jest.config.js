const path = require('node:path');

module.exports = require('../jest.preset.js')('frontend', {
  // Builds the backend the end-to-end tests spawn.
  globalSetup: path.join(__dirname, 'test/support/global-setup.ts'),
});
