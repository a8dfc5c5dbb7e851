// Three layers (DESIGN.md §3): unit (pure logic), integration (real PostgreSQL + Redis, and
// PGlite for migrations and a smoke path), e2e (Debian Chromium via playwright-core).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      // The browser scenarios' timeout is set in tests/support/e2e.ts (jest ignores a per-project testTimeout).
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
    },
  ],
  testTimeout: 30000,
  // Three on two cores: the suites wait on PostgreSQL, Redis, Chromium and timers far more than they
  // compute (a two-worker run used 1.3 cores on average), and the whole run must stay under 15 minutes.
  maxWorkers: 3,
};
