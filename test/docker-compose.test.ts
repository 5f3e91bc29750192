import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readConfig } from '../src/config';

// No Docker engine runs here, so the compose file is checked as data: services, persistence
// settings, and that each role's environment is one the gateway itself accepts.
const root = path.join(__dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      environment?: Record<string, string>;
      depends_on?: Record<string, { condition: string }>;
      ports?: string[];
    }
  >;
  volumes: Record<string, unknown>;
};

/** Compose's own `${VAR:-default}` / `${VAR:?error}` substitution, with an empty environment. */
function substitute(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_m, name: string, op: string | undefined, arg: string | undefined) => {
      if (env[name]) return env[name]!;
      if (op === '-') return arg ?? '';
      if (op === '?') throw new Error(`compose requires ${name}: ${arg}`);
      return '';
    },
  );
}

test('runs redis, postgres and the gateway as separate api and worker services', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
  expect(compose.services.redis!.command).toEqual(
    expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
  );
  expect(compose.services.postgres!.image).toMatch(/^postgres:/);
  for (const volume of ['redis-data', 'postgres-data'])
    expect(compose.volumes).toHaveProperty([volume]);
  expect(existsSync(path.join(root, compose.services.api!.build ?? 'missing', 'Dockerfile'))).toBe(
    true,
  );
});

test.each(['api', 'worker'])(
  'the %s service is wired to the shared redis and postgres and starts in its role',
  (role) => {
    const service = compose.services[role]!;
    expect(service.depends_on).toEqual({
      redis: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [
        k,
        substitute(String(v), { CROSSDOCK_ADMIN_KEY: 'k' }),
      ]),
    );
    expect(new URL(env.REDIS_URL!).hostname).toBe('redis');
    const database = new URL(env.DATABASE_URL!);
    expect(database.hostname).toBe('postgres');
    const postgresEnv = compose.services.postgres!.environment!;
    expect(database.username).toBe(postgresEnv.POSTGRES_USER);
    expect(database.pathname).toBe(`/${postgresEnv.POSTGRES_DB}`);
    const config = readConfig(env);
    expect(config).toMatchObject({
      role,
      host: '0.0.0.0',
      redisUrl: env.REDIS_URL,
      databaseUrl: env.DATABASE_URL,
    });
  },
);

test('the api publishes its port and refuses to start without an operator key', () => {
  expect(compose.services.api!.ports).toEqual(['8080:8080']);
  expect(() => substitute(compose.services.api!.environment!.CROSSDOCK_ADMIN_KEY!, {})).toThrow(
    /CROSSDOCK_ADMIN_KEY/,
  );
});
