/**
 * Shared jest settings for the workspaces: TypeScript through @swc/jest (fast, no type-check;
 * `tsc -b` type-checks), tests beside the code they test.
 * Dependencies listed in esmPackages are transformed to CommonJS for jest: ESM-only ones, and
 * @electric-sql (PGlite), whose .cjs bundles load Node built-ins with dynamic import(), which jest's
 * CommonJS runtime rejects without --experimental-vm-modules. pdfjs-dist is ESM only, and so are the
 * DOM helpers linkedom's CommonJS build requires (Node >= 20.19 loads them natively, jest cannot).
 */
const path = require('node:path');

const esmPackages = [
  '@actions',
  'pgvector',
  '@electric-sql',
  'pdfjs-dist',
  ...['css-select', 'css-what', 'nth-check', 'boolbase', 'cssomnom'],
  ...['domutils', 'domhandler', 'domelementtype', 'dom-serializer', 'entities'],
];

module.exports = function preset(displayName, overrides = {}) {
  return {
    displayName,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj|cj)sx?$': [
        '@swc/jest',
        {
          jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
          module: { type: 'commonjs' },
        },
      ],
    },
    transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
    // The frontend's tests run the backend's service kit from source; builds use its compiled exports.
    moduleNameMapper: {
      '^@ragchat/backend/service-kit$': path.join(__dirname, 'backend/src/service-kit/index.ts'),
      '^@ragchat/backend/service-kit/(.*)$': path.join(__dirname, 'backend/src/service-kit/$1.ts'),
    },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
    ...overrides,
  };
};
