/** Jest runs ts-jest in ESM mode: agenda 6 is ESM-only. Type errors are tsc's job (npm run typecheck). */
export default {
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  roots: ['<rootDir>/server', '<rootDir>/bot', '<rootDir>/tests', '<rootDir>/scripts', '<rootDir>/packages'],
  testMatch: ['**/__tests__/**/*.test.ts', '**/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/h5/', '<rootDir>/miniapp/'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/tests/support/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/support/global-teardown.mjs',
  setupFilesAfterEnv: ['<rootDir>/tests/support/per-file.ts'],
  testTimeout: 30000,
};
