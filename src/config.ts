// All environment variables are read here, once, and nowhere else.
// A wrong value stops the start with a message naming the variable (see .env.example).
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './lib/paths';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'oui', 'non', ''])
  .transform((value) => ['true', '1', 'yes', 'oui'].includes(value));

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  BASE_URL: optionalText.pipe(z.url({ message: 'doit être une URL complète, ex. https://passerelle.example.fr' }).optional()),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalText.pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'doit commencer par postgres:// ou postgresql://').optional(),
  ),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  MIGRATE_ON_START: booleanFromEnv.default(true),
  REDIS_URL: optionalText.pipe(z.string().regex(/^rediss?:\/\//, 'doit commencer par redis:// ou rediss://').optional()),
  REDIS_SERVER_BIN: z.string().default('redis-server'),
  SMTP_URL: optionalText.pipe(z.string().regex(/^smtps?:\/\//, 'doit commencer par smtp:// ou smtps://').optional()),
  MAIL_FROM: z.string().default('Passerelle <ne-pas-repondre@passerelle.localhost>'),
  ADMIN_EMAIL: optionalText.pipe(z.email({ message: 'adresse électronique invalide' }).optional()),
  ADMIN_PASSWORD: optionalText.pipe(
    z.string().min(12, 'au moins 12 caractères').optional(),
  ),
  SESSION_SECRET: optionalText.pipe(z.string().min(32, 'au moins 32 caractères').optional()),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(120),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  TRUST_PROXY: booleanFromEnv.default(false),
  COOKIE_SECURE: booleanFromEnv.default(false),
  /**
   * Sign-in throttling (src/services/login-throttle.ts): failures of one account from one address
   * are free up to LOGIN_FAILURES_BEFORE_DELAY, then each makes that address wait before its next
   * try, from LOGIN_FIRST_DELAY_SECONDS doubling up to LOGIN_MAX_DELAY_SECONDS. The per-account
   * ceiling (all addresses, per window) is high, so only a distributed attack reaches it.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(100),
  LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(30),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
  LOGIN_FAILURES_BEFORE_DELAY: z.coerce.number().int().min(0).max(100).default(3),
  LOGIN_FIRST_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(1),
  LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(900),
  /** How long a web process keeps reference lists (kinds, units, user names) in memory; 0 = off. */
  REFERENCE_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /** Convention circuit: amount (euros) above which a second manager approves; copied into each run at start. */
  WORKFLOW_SECOND_APPROVAL_THRESHOLD: z.coerce.number().min(0).default(50_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HEARTBEAT_SECONDS: z.coerce.number().int().min(1).default(30),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  /** Redis key prefix of the queues: two installations may share one Redis with different prefixes. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'lettres, chiffres, - et _ seulement').default('bull'),
  /**
   * How long a worker holds a job's lock without renewing it. A worker that dies (crash,
   * SIGKILL, lost machine) leaves its jobs active; another worker takes them over after this.
   */
  WORKER_LOCK_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** Largest import file accepted, in MiB, and most data rows in one import. */
  IMPORT_MAX_MB: z.coerce.number().int().min(1).max(1024).default(50),
  IMPORT_MAX_ROWS: z.coerce.number().int().min(1).max(5_000_000).default(200_000),
  /** Largest convention document (PDF, DOCX, ODT) accepted, in MiB. */
  CONVENTION_DOCUMENT_MAX_MB: z.coerce.number().int().min(1).max(1024).default(20),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** Public URL used in links sent by email. */
  baseUrl: string;
  /** `embedded` = PGlite under DATA_DIR; `server` = PostgreSQL at DATABASE_URL. */
  databaseMode: 'embedded' | 'server';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      'Configuration invalide / invalid configuration:\n' +
        problems.map((problem) => `  - ${problem}`).join('\n') +
        '\nVoir .env.example / see .env.example.',
    );
    this.name = 'ConfigError';
  }
}

export function parseConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const env = result.data;
  const problems: string[] = [];
  if (env.ADMIN_PASSWORD && !env.ADMIN_EMAIL) {
    problems.push('ADMIN_PASSWORD: ADMIN_EMAIL doit aussi être défini');
  }
  if (env.DATABASE_URL && env.NODE_ENV === 'production' && !env.SESSION_SECRET) {
    // Several web processes must sign cookies with the same secret.
    problems.push('SESSION_SECRET: obligatoire en production avec DATABASE_URL (mode serveur)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    ...env,
    dataDir: path.resolve(projectRoot, env.DATA_DIR),
    baseUrl: (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    databaseMode: env.DATABASE_URL ? 'server' : 'embedded',
  };
}

let cached: Config | undefined;

/** The process-wide configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
