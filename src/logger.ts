import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Creates the process logger. Header and body fields that may carry credentials are redacted
 * as a second line of defence; code never logs secrets on purpose.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'inlet' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["workos-signature"]',
          '*.signing_secret',
          '*.password',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
