import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs. A message's path logs through `logger.child({ messageId, correlationId })` so
 * every line of it can be found; bodies and secrets are never logged at info level.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'crossdock' },
    redact: {
      paths: ['*.authorization', '*.secret', '*.apiKey', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
