import { ConfigError, readConfig } from './config';

test('defaults: port 8080 on loopback, embedded Redis and store, role all', () => {
  expect(readConfig({})).toMatchObject({
    role: 'all',
    host: '127.0.0.1',
    port: 8080,
    redisUrl: undefined,
    databaseUrl: undefined,
    maxBodyBytes: 10 * 1024 * 1024,
  });
});

test('refuses values it cannot use, saying which variable is wrong', () => {
  expect(() => readConfig({ PORT: 'eighty' })).toThrow(
    new ConfigError('PORT must be an integer from 0 to 65535, not "eighty"'),
  );
  expect(() => readConfig({ CROSSDOCK_ROLE: 'both' })).toThrow(/CROSSDOCK_ROLE/);
  expect(() => readConfig({ CROSSDOCK_HOME: '/does/not/exist' })).toThrow(/CROSSDOCK_HOME/);
});
