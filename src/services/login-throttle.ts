// Login rate limiting shared by every web process (counters in Redis). Locking an account after
// a few failures would let anyone who knows an address lock its owner out, so:
// - failures are counted per (account, IP address): after a few free ones, each further failure
//   makes that address wait before its next try for this account, the wait doubling each time;
//   the owner signing in from anywhere else is not slowed down;
// - a per-account ceiling, over all addresses, is high enough that only a distributed attack
//   (many addresses, each slowed down) reaches it;
// - per IP address, failed sign-ins only (a successful one never counts against the address)
//   are capped, against one address trying many accounts.
// A refused attempt is refused before the password is even checked.
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../lib/errors';
import { t } from '../lib/i18n';

export interface LoginThrottleOptions {
  redis: Redis;
  /** Ceiling of failures for one account over all addresses, within the window. */
  maxFailuresPerAccount: number;
  /** Failed sign-ins (and password-reset requests) from one address, within the window. */
  maxAttemptsPerIp: number;
  windowMinutes: number;
  /** Failures of one (account, address) before the waits start. */
  failuresBeforeDelay?: number;
  /** First wait, in seconds; it doubles with each further failure. */
  firstDelaySeconds?: number;
  /** Longest wait, in seconds. */
  maxDelaySeconds?: number;
  keyPrefix?: string;
}

export const LOGIN_THROTTLE_DEFAULTS = { failuresBeforeDelay: 3, firstDelaySeconds: 1, maxDelaySeconds: 15 * 60 } as const;

export class LoginThrottle {
  private readonly perAccount: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;
  private readonly resetsPerIp: RateLimiterRedis;
  /** Reset e-mails one account may receive per window, whatever the addresses asking. */
  private readonly resetsPerAccount: RateLimiterRedis;
  /** Failures of one (account, address): kept a day, so the waits keep growing across a slow attack. */
  private readonly pairFailures: RateLimiterRedis;
  /** The current wait of one (account, address): a key that exists while the wait runs. */
  private readonly pairDelay: RateLimiterRedis;
  private readonly failuresBeforeDelay: number;
  private readonly firstDelaySeconds: number;
  private readonly maxDelaySeconds: number;

  constructor(options: LoginThrottleOptions) {
    const duration = options.windowMinutes * 60;
    const prefix = options.keyPrefix ?? 'passerelle';
    this.failuresBeforeDelay = options.failuresBeforeDelay ?? LOGIN_THROTTLE_DEFAULTS.failuresBeforeDelay;
    this.firstDelaySeconds = options.firstDelaySeconds ?? LOGIN_THROTTLE_DEFAULTS.firstDelaySeconds;
    this.maxDelaySeconds = options.maxDelaySeconds ?? LOGIN_THROTTLE_DEFAULTS.maxDelaySeconds;
    const limiter = (name: string, points: number, seconds: number, blockSeconds = 0) =>
      new RateLimiterRedis({ storeClient: options.redis, keyPrefix: `${prefix}:${name}`, points, duration: seconds, blockDuration: blockSeconds });
    this.perAccount = limiter('login-account', options.maxFailuresPerAccount, duration, duration);
    this.perIp = limiter('login-ip', options.maxAttemptsPerIp, duration, duration);
    this.resetsPerIp = limiter('reset-ip', options.maxAttemptsPerIp, duration, duration);
    this.resetsPerAccount = limiter('reset-account', RESETS_PER_ACCOUNT, duration, duration);
    this.pairFailures = limiter('login-pair', 1_000_000, 24 * 3600);
    this.pairDelay = limiter('login-pair-delay', 1, 1);
  }

  /** Refuses a sign-in while this address waits for this account, or the address or the account is over its ceiling. */
  async checkLogin(accountKey: string, ip: string): Promise<void> {
    const [delay, address, account] = await Promise.all([this.pairDelay.get(pairKey(accountKey, ip)), this.perIp.get(ip), this.perAccount.get(accountKey)]);
    if (delay && delay.msBeforeNext > 0) {
      throw new RateLimitedError(t('auth.tooManyAttemptsHere', { seconds: seconds(delay.msBeforeNext) }), seconds(delay.msBeforeNext));
    }
    if (address && address.remainingPoints <= 0 && address.msBeforeNext > 0) {
      throw new RateLimitedError(t('auth.tooManyAttemptsIp', { minutes: minutes(address.msBeforeNext) }), seconds(address.msBeforeNext));
    }
    if (account && account.remainingPoints <= 0 && account.msBeforeNext > 0) {
      throw new RateLimitedError(t('auth.tooManyAttemptsAccount', { minutes: minutes(account.msBeforeNext) }), seconds(account.msBeforeNext));
    }
  }

  /** Counts a failed sign-in for the account, the address and the pair; returns the wait it starts (seconds, 0 = none). */
  async recordLoginFailure(accountKey: string, ip: string): Promise<number> {
    const key = pairKey(accountKey, ip);
    const [pair] = await Promise.all([this.pairFailures.penalty(key), consumeQuietly(this.perAccount, accountKey), consumeQuietly(this.perIp, ip)]);
    const beyond = pair.consumedPoints - this.failuresBeforeDelay;
    if (beyond <= 0) return 0;
    const wait = Math.min(this.maxDelaySeconds, this.firstDelaySeconds * 2 ** Math.min(beyond - 1, 30));
    await this.pairDelay.block(key, wait);
    return wait;
  }

  /** The owner is in: this address starts afresh for this account (nothing else is counted). */
  async recordLoginSuccess(accountKey: string, ip: string): Promise<void> {
    const key = pairKey(accountKey, ip);
    await Promise.all([this.pairFailures.delete(key), this.pairDelay.delete(key)]);
  }

  /** Password-reset requests: every request counts, per address. */
  /**
   * Whether one more reset e-mail may go to this account now. Over the limit the request is
   * answered as usual and nothing is sent: flooding someone's mailbox from many addresses gets
   * nowhere, and the answer says nothing about the account.
   */
  async mayEmailReset(accountKey: string): Promise<boolean> {
    try {
      await this.resetsPerAccount.consume(accountKey);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return false;
      throw rejection;
    }
  }

  async checkResetRequest(ip: string): Promise<void> {
    try {
      await this.resetsPerIp.consume(ip);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new RateLimitedError(t('auth.tooManyAttemptsIp', { minutes: minutes(rejection.msBeforeNext) }), seconds(rejection.msBeforeNext));
      }
      throw rejection;
    }
  }
}

/** Password-reset e-mails per account per window (the window of the login throttle). */
const RESETS_PER_ACCOUNT = 3;

function pairKey(accountKey: string, ip: string): string {
  return `${ip}|${accountKey}`;
}

async function consumeQuietly(limiter: RateLimiterRedis, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    // Already over the ceiling: nothing more to count.
  }
}

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
