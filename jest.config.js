/** One jest run covers every workspace; each workspace keeps its own jest.config.js. */
module.exports = {
  projects: ['<rootDir>/backend', '<rootDir>/frontend', '<rootDir>/infra', '<rootDir>/actions'],
};
