import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ApiError } from '../../lib/errors';

export interface LoginLimits {
  /** Failed attempts allowed per user name within the window. */
  perUser: number;
  /** Failed attempts allowed per client address within the window. */
  perAddress: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 5, perAddress: 20, windowSeconds: 15 * 60 };

/**
 * Failed sign-ins are counted per user name and per client address; past either limit, further
 * attempts are refused with 429 until the window passes. The counters are in memory, per replica:
 * behind N replicas an attacker gets at most N times the limit, which still stops guessing.
 */
export class LoginLimiter {
  private readonly users: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;

  constructor(private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.users = new RateLimiterMemory({
      points: limits.perUser,
      duration: limits.windowSeconds,
      keyPrefix: 'u',
    });
    this.addresses = new RateLimiterMemory({
      points: limits.perAddress,
      duration: limits.windowSeconds,
      keyPrefix: 'a',
    });
  }

  /** Throws 429 when the user or the address has no attempts left. */
  async check(user: string, address: string): Promise<void> {
    const [u, a] = await Promise.all([this.users.get(user.toLowerCase()), this.addresses.get(address)]);
    const waits = [
      u && u.consumedPoints >= this.limits.perUser ? u.msBeforeNext : 0,
      a && a.consumedPoints >= this.limits.perAddress ? a.msBeforeNext : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) throw new TooManyAttempts(Math.max(1, Math.ceil(wait / 1000)));
  }

  async failed(user: string, address: string): Promise<void> {
    await Promise.all([this.users.penalty(user.toLowerCase(), 1), this.addresses.penalty(address, 1)]);
  }

  async succeeded(user: string): Promise<void> {
    await this.users.delete(user.toLowerCase());
  }
}

export class TooManyAttempts extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'TooManyRequests',
      `Too many failed sign-in attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
    );
  }
}
