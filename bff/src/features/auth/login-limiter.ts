import { ApiError } from '../../lib/errors';

export interface LoginLimits {
  /**
   * Failed password checks one user name may have from one address before that pair is slowed
   * down (each further attempt must wait longer than the last).
   */
  perUserAddress?: number;
  /**
   * Failures of one user name from all addresses together, within the window, past which the
   * user is "under attack": every address that has failed for the user gets one free attempt
   * only, then waits. An address that has not failed for the user is never held back by it.
   */
  perUser?: number;
  /**
   * Failures from one address for all user names together (spraying), past which each user name
   * gets one free attempt from that address, then waits. A user name that has not failed from
   * the address is never held back by it, so people behind one proxy keep signing in.
   */
  perAddress?: number;
  /** Counters are forgotten this long after their last failure. */
  windowSeconds?: number;
  /** The first wait; each further failure of the pair doubles it. */
  baseDelaySeconds?: number;
  /** The longest wait. */
  maxDelaySeconds?: number;
  /** The most pairs, users and addresses remembered (the oldest are forgotten first). */
  maxEntries?: number;
}

export const DEFAULT_LOGIN_LIMITS: Required<LoginLimits> = {
  perUserAddress: 5,
  perUser: 20,
  perAddress: 20,
  windowSeconds: 15 * 60,
  baseDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  maxEntries: 100_000,
};

interface PairState {
  /** Failed (or still running) password checks since the pair's last success. */
  failures: number;
  /** When the pair last had a password checked (ms). */
  lastAttemptAt: number;
}

interface Counter {
  failures: number;
  lastFailureAt: number;
}

/**
 * Sign-in attempts are limited without handing an attacker a lockout of someone else:
 *
 * - The bucket is the pair of user name (lower-cased) and client address. A pair's first
 *   `perUserAddress` failures go through; after that every attempt of the pair must wait longer
 *   (base delay, doubled per further failure, up to the maximum) after the pair's previous one,
 *   and earlier attempts are answered 429 with the wait in seconds (Retry-After). The password is
 *   not even checked, so the wait cannot be skipped by guessing right.
 * - Per user name (failures from everywhere) and per address (failures for any user name):
 *   past `perUser` or `perAddress` failures in the window, a pair that has failed already gets
 *   one free attempt only instead of `perUserAddress`, so a botnet spreading guesses over many
 *   addresses, or one address spraying many names, is slowed down pair by pair.
 * - A pair with no failure is always let through at once: wrong passwords for ada from address
 *   A never stop ada signing in from address B, and failures from a proxy for other user names
 *   never stop someone behind it whose own name has not failed there.
 *
 * The decision and the spending of the attempt are one synchronous step taken BEFORE the
 * (slow) password check, so parallel guesses cannot all pass a check that has not yet counted
 * them; a success gives the points back (`succeeded`). The counters are in memory, per replica:
 * behind N replicas an attacker gets at most N times the attempts, which still stops guessing.
 */
export class LoginLimiter {
  private readonly limits: Required<LoginLimits>;
  private readonly pairs = new Map<string, PairState>();
  private readonly users = new Map<string, Counter>();
  private readonly addresses = new Map<string, Counter>();

  constructor(
    limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  }

  /**
   * Spends one attempt of the pair (and of the user and the address), before the password is
   * checked. Throws 429 with the wait when the pair must wait; then nothing is spent.
   */
  attempt(user: string, address: string): Promise<void> {
    const now = this.now();
    const userKey = user.toLowerCase();
    const pairKey = `${userKey}\n${address}`;
    const windowMs = this.limits.windowSeconds * 1000;
    const pair = live(this.pairs.get(pairKey), (p) => p.lastAttemptAt, now, windowMs);
    if (pair && pair.failures > 0) {
      const underPressure =
        (live(this.users.get(userKey), (c) => c.lastFailureAt, now, windowMs)?.failures ?? 0) >=
          this.limits.perUser ||
        (live(this.addresses.get(address), (c) => c.lastFailureAt, now, windowMs)?.failures ?? 0) >=
          this.limits.perAddress;
      const free = underPressure ? 1 : this.limits.perUserAddress;
      if (pair.failures >= free) {
        const wait = this.delayMs(pair.failures - free + 1);
        const readyAt = pair.lastAttemptAt + wait;
        if (now < readyAt) return Promise.reject(new TooManyAttempts(Math.ceil((readyAt - now) / 1000)));
      }
    }
    // Counted as a failure until the password proves right (`succeeded` gives it back).
    this.touch(this.pairs, pairKey, {
      failures: (pair?.failures ?? 0) + 1,
      lastAttemptAt: now,
    });
    this.count(this.users, userKey, now, windowMs);
    this.count(this.addresses, address, now, windowMs);
    return Promise.resolve();
  }

  /** The password was right: the pair starts again, and the user's and address's points come back. */
  succeeded(user: string, address: string): Promise<void> {
    const userKey = user.toLowerCase();
    this.pairs.delete(`${userKey}\n${address}`);
    for (const [map, key] of [
      [this.users, userKey],
      [this.addresses, address],
    ] as const) {
      const c = map.get(key);
      if (c) c.failures = Math.max(0, c.failures - 1);
    }
    return Promise.resolve();
  }

  /** The wait before the `n`th attempt past the free ones: base, doubled each time, capped. */
  private delayMs(n: number): number {
    const seconds = Math.min(
      this.limits.maxDelaySeconds,
      this.limits.baseDelaySeconds * 2 ** Math.min(n - 1, 30),
    );
    return Math.round(seconds * 1000);
  }

  private count(map: Map<string, Counter>, key: string, now: number, windowMs: number): void {
    const c = live(map.get(key), (x) => x.lastFailureAt, now, windowMs);
    this.touch(map, key, { failures: (c?.failures ?? 0) + 1, lastFailureAt: now });
  }

  /** Sets `key` as the newest entry; past maxEntries, the oldest entries are forgotten. */
  private touch<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.limits.maxEntries) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }
}

/** The entry, or undefined once a whole window has passed since it last changed. */
function live<T>(entry: T | undefined, at: (e: T) => number, now: number, windowMs: number): T | undefined {
  return entry !== undefined && now - at(entry) < windowMs ? entry : undefined;
}

export class TooManyAttempts extends ApiError {
  /** The wait, in whole seconds (at least one): the Retry-After header and the message say it. */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      429,
      'TooManyRequests',
      `Too many failed sign-in attempts for this user from your address; try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
    );
    this.retryAfterSeconds = seconds;
  }
}
