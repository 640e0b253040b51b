import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * Structured JSON logs, one object a line. API keys travel in headers that are never logged; the redaction
 * below is the second line of defence should a header map or a key ever reach a log call.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'contact-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['key', 'apiKey', 'headers.authorization', 'headers["x-dexatel-key"]', '*.headers.authorization', '*.headers["x-dexatel-key"]'],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ sync: true }),
  );
}
