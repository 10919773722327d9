import { pino, type Logger } from 'pino';

export type { Logger };

/** One logger per process; secrets never reach it (see redactConfig and the redact paths below). */
export function createLogger(level: string, name = 'scrm'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['req.headers.authorization', 'password', '*.password', 'token', '*.token', 'secret', '*.secret'],
      censor: '***',
    },
  });
}
