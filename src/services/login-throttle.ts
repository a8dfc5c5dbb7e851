// Login rate limiting shared by every web process (counters in Redis): failures per account,
// attempts per IP address. A blocked attempt is refused before the password is even checked.
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../lib/errors';
import { t } from '../lib/i18n';

export interface LoginThrottleOptions {
  redis: Redis;
  maxFailuresPerAccount: number;
  maxAttemptsPerIp: number;
  windowMinutes: number;
  keyPrefix?: string;
}

export class LoginThrottle {
  private readonly perAccount: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;

  constructor(options: LoginThrottleOptions) {
    const duration = options.windowMinutes * 60;
    const prefix = options.keyPrefix ?? 'passerelle';
    this.perAccount = new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${prefix}:login-account`,
      points: options.maxFailuresPerAccount,
      duration,
      blockDuration: duration,
    });
    this.perIp = new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${prefix}:login-ip`,
      points: options.maxAttemptsPerIp,
      duration,
      blockDuration: duration,
    });
  }

  /** Counts an attempt from this IP and refuses it when the IP or the account is blocked. */
  async checkAttempt(accountKey: string, ip: string): Promise<void> {
    const account = await this.perAccount.get(accountKey);
    if (account && account.remainingPoints <= 0 && account.msBeforeNext > 0) {
      throw new RateLimitedError(t('auth.tooManyAttemptsAccount', { minutes: minutes(account.msBeforeNext) }), seconds(account.msBeforeNext));
    }
    try {
      await this.perIp.consume(ip);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new RateLimitedError(t('auth.tooManyAttemptsIp', { minutes: minutes(rejection.msBeforeNext) }), seconds(rejection.msBeforeNext));
      }
      throw rejection;
    }
  }

  async recordFailure(accountKey: string): Promise<void> {
    try {
      await this.perAccount.consume(accountKey);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // Already blocked: nothing more to count.
    }
  }

  async recordSuccess(accountKey: string): Promise<void> {
    await this.perAccount.delete(accountKey);
  }
}

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
