/** Unit tests live beside the code (src/**), integration tests under test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  // Integration tests each start a gateway with its own Redis; two workers suit a 2-core machine.
  maxWorkers: 2,
};
