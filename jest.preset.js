/**
 * Shared jest settings for the workspaces: TypeScript through @swc/jest (fast, no type-check;
 * `tsc -b` type-checks), tests beside the code they test.
 * ESM-only dependencies listed in esmPackages are transformed to CommonJS for jest.
 */
const esmPackages = ['@actions', 'pgvector'];

module.exports = function preset(displayName, overrides = {}) {
  return {
    displayName,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj)sx?$': [
        '@swc/jest',
        {
          jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
          module: { type: 'commonjs' },
        },
      ],
    },
    transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
    moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
    ...overrides,
  };
};
