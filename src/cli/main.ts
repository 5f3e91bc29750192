#!/usr/bin/env node
import { ConfigError, readConfig } from '../config';
import { hashApiKey } from '../http/api-keys';
import { createLogger } from '../log';
import { PartnerConfigError } from '../partners/registry';
import { RedisServerMissingError } from '../runtime/private-redis';
import { startGateway } from '../gateway';

const USAGE = `Usage: crossdock <command>

  start            start the gateway (role from CROSSDOCK_ROLE: all, api or worker)
  hash-key <key>   print the sha256 of an API key, for a partner file's inbound.rest.apiKeys
`;

async function start(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  const store = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.varDir}/db`;
  const redis = config.redisUrl
    ? 'REDIS_URL'
    : `private redis-server at ${gateway.redisUrl}, data in ${config.varDir}/redis`;
  process.stdout.write(
    `Crossdock (${config.role}) listening on ${gateway.url}\n  store: ${store}\n  redis: ${redis}\n  partners: ${config.folders.partners}\n`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.stdout.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: finishing running jobs and stopping...\n`);
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start();
    case 'hash-key':
      if (!rest[0]) throw new ConfigError('hash-key needs the key as its argument');
      process.stdout.write(`${hashApiKey(rest[0])}\n`);
      return;
    default:
      process.stdout.write(USAGE);
      if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof PartnerConfigError ||
    error instanceof RedisServerMissingError;
  process.stderr.write(
    `crossdock: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`,
  );
  process.exit(1);
});
