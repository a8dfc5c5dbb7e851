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

/**
 * A request's URL for the logs, without the secret its path may carry: the personal iCal feed
 * (/agenda/<token>.ics, which never expires), RSVP and unsubscribe links, account setup and
 * password reset links. Anyone reading the logs would otherwise hold those keys.
 */
export function maskSecretUrl(url: string | undefined): string | undefined {
  return url
    ?.replace(/^(\/agenda\/)[^/?#]+(\.ics)/, '$1[masqué]$2')
    .replace(/^(\/(?:invitation|desabonnement|setup|mot-de-passe)\/)[^/?#]+/, '$1[masqué]');
}
