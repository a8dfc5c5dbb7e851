import pino from 'pino';

// Secrets and passwords never reach the logs, whatever object carries them.
const redactPaths = [
  'password',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'body.password',
  'body._csrf',
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { app: 'passerelle' },
  redact: { paths: redactPaths, censor: '[masqué]' },
});

export type Logger = typeof logger;
