import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../../lib/errors';

export interface LoginLimits {
  /** Password checks allowed per user name within the window (a success gives them back). */
  perUser: number;
  /** Failed password checks allowed per client address within the window. */
  perAddress: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 5, perAddress: 20, windowSeconds: 15 * 60 };

/**
 * Sign-in attempts are counted per user name (lower-cased) and per client address. An attempt
 * spends a point of both BEFORE the password is checked (`attempt`), so parallel guesses cannot
 * all pass a check that only reads the counters while the slow argon2 verification runs; past
 * either limit, attempts are refused with 429 until the window passes. A success gives the points
 * back (`succeeded`), so only failures add up. The counters are in memory, per replica: behind N
 * replicas an attacker gets at most N times the limit, which still stops guessing.
 */
export class LoginLimiter {
  private readonly users: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;

  constructor(limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
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

  /**
   * Spends one attempt of the user and one of the address, before the password is checked.
   * Throws 429 when either has none left; then neither point counts, as no password was checked.
   */
  async attempt(user: string, address: string): Promise<void> {
    const key = user.toLowerCase();
    const [u, a] = await Promise.allSettled([this.users.consume(key, 1), this.addresses.consume(address, 1)]);
    if (u.status === 'fulfilled' && a.status === 'fulfilled') return;
    for (const r of [u, a])
      if (r.status === 'rejected' && !(r.reason instanceof RateLimiterRes)) throw r.reason;
    // The limiter that let the attempt through gets its point back.
    if (u.status === 'fulfilled') await this.users.reward(key, 1);
    if (a.status === 'fulfilled') await this.addresses.reward(address, 1);
    const wait = Math.max(
      ...[u, a].map((r) => (r.status === 'rejected' ? (r.reason as RateLimiterRes).msBeforeNext : 0)),
    );
    throw new TooManyAttempts(Math.max(1, Math.ceil(wait / 1000)));
  }

  /** The password was right: the user's count starts again, and the address's point is given back. */
  async succeeded(user: string, address: string): Promise<void> {
    await Promise.all([this.users.delete(user.toLowerCase()), this.addresses.reward(address, 1)]);
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
