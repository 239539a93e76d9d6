import { isDeepStrictEqual } from 'node:util';
import type { TelemetrySource } from './telemetry';

/** The demo mesh's series move once per tick of its simulated traffic (a second). */
const EMBEDDED_TICK_MS = 1000;

/** Entries kept at most (each scope, window and question is one); the oldest go first. */
const DEFAULT_MAX_ENTRIES = 256;

/**
 * How long telemetry's answer to a question stays the same. Prometheus is asked on its scrape grid
 * (`scrapeAligned`), the grid point being part of each question's key: an answer holds for the
 * scrape interval, after which the question is another. The demo's series move every tick (a
 * second): reused at most that long, and at most `maxMs` (console.ts: half the stream's interval,
 * so a stream round never gets the previous round's figures).
 */
export function reuseMsFor(
  telemetry: Pick<TelemetrySource, 'kind' | 'scrapeIntervalSeconds'>,
  maxMs: number,
): number {
  if (maxMs <= 0) return 0;
  if (telemetry.kind === 'prometheus') return Math.max(1, Math.round(telemetry.scrapeIntervalSeconds)) * 1000;
  return Math.min(EMBEDDED_TICK_MS, maxMs);
}

/**
 * How long after its time an answer may still be served while the next one is computed (`Reused`,
 * `family`): Prometheus's, one more scrape interval, so that the requests that arrive just after the
 * grid moved on do not wait for a round of queries and the builds over it (the figures they get are
 * those of the previous scrape, and say so by their time); the demo's never (its rounds are cheap).
 */
export function staleMsFor(
  telemetry: Pick<TelemetrySource, 'kind' | 'scrapeIntervalSeconds'>,
  maxMs: number,
): number {
  return telemetry.kind === 'prometheus' ? reuseMsFor(telemetry, maxMs) : 0;
}

/**
 * Builds waiting for their turn: one per turn of the event loop, so that requests that arrived
 * meanwhile are served between two builds. (Node runs every immediate queued before its check phase
 * in that one phase: fifty builds queued at once would run back to back.) A build that something
 * stands in for (`Reused.derive`) is background work: while others wait, the next starts only after
 * the loop has been left to requests for as long as the last one took (at most `MAX_REST_MS`), so a
 * scrape's builds take at most about half of the loop however many wait. A build a request waits for
 * with nothing to stand in (`urgent`: the first question of its kind) goes first and rests nobody.
 */
interface Build {
  run: () => void;
  urgent: () => boolean;
}
const waitingBuilds: Build[] = [];
let pumping = false;
let resting: NodeJS.Timeout | undefined;
const MAX_REST_MS = 50;

function pumpBuilds(): void {
  resting = undefined;
  const first = waitingBuilds.findIndex((b) => b.urgent());
  const [build] = waitingBuilds.splice(Math.max(0, first), 1);
  const started = performance.now();
  build?.run();
  if (waitingBuilds.length === 0) {
    pumping = false;
    for (const done of buildsDone.splice(0)) done();
    return;
  }
  const took = performance.now() - started;
  if (took < 1 || waitingBuilds.some((b) => b.urgent())) setImmediate(pumpBuilds);
  else resting = setTimeout(pumpBuilds, Math.min(MAX_REST_MS, took));
}

/** A request now waits for a queued build: no rest before it. */
function hurryBuilds(): void {
  if (!resting) return;
  clearTimeout(resting);
  resting = undefined;
  setImmediate(pumpBuilds);
}

const buildsDone: (() => void)[] = [];

/** Resolves once no build is waiting or running (tests: what was asked has been built). */
export function buildsSettled(): Promise<void> {
  if (!pumping) return Promise.resolve();
  return new Promise((resolve) => buildsDone.push(resolve));
}

/**
 * `fn()` run in a turn of the event loop of its own (after pending I/O), its result or failure the
 * promise's; `urgent` tells, when its turn is chosen, whether a request waits for it.
 */
function inTurnOfItsOwn<D>(fn: () => D, urgent: () => boolean): Promise<D> {
  return new Promise<D>((resolve, reject) => {
    waitingBuilds.push({
      run: () => {
        try {
          resolve(fn());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      },
      urgent,
    });
    if (!pumping) {
      pumping = true;
      setImmediate(pumpBuilds);
    } else if (urgent()) hurryBuilds();
  });
}

/** What was derived from an answer for a view and a key, and whether it is there yet. */
interface Derived {
  promise: Promise<unknown>;
  settled: boolean;
  /** A request waits for it with nothing to stand in: built before the others, without a rest. */
  urgent: boolean;
}

interface Entry<T> {
  /** The clock when the computation started (the figures' evaluation time). */
  at: number;
  value: Promise<T>;
  settled: boolean;
  /** What was derived from `value` per catalog view (and a key): the answers built over it. */
  derived: WeakMap<object, Map<string, Derived>>;
}

export interface ReusedOptions {
  clock: () => number;
  /** How long a settled answer is reused; 0: only while it is being computed. */
  reuseMs: number;
  /**
   * How long after `reuseMs` what was derived from an answer may still be served to a question of
   * the same family while the family's next answer is computed (`staleMsFor`); 0 or absent: never.
   */
  staleMs?: number;
  maxEntries?: number;
}

/** One question asked of `Reused.derive`: see there. */
export interface DerivedQuestion<T, D> {
  key: string;
  /** The question without its evaluation time: what a previous answer may stand in for. */
  family?: string;
  compute: () => Promise<T>;
  view: object;
  derivedKey: string;
  derive: (value: T) => D;
}

/**
 * Answers shared between callers asking the same question: while one is being computed (a second
 * caller awaits the first's promise), and for `reuseMs` after it started (as long as the telemetry
 * could not have changed). A failure is shared only while in flight, never kept. Bounded: expired
 * entries are dropped as new ones come, and the oldest beyond `maxEntries`.
 *
 * Keys must hold everything the answer depends on; a scoped answer's key holds its scope's key.
 */
export class Reused<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /**
   * Per family, the latest answers there, newest first (the stand-ins while the next is computed):
   * two, since the next answer's builds are there one at a time, and while some are, the others
   * are still the previous answer's.
   */
  private readonly latest = new Map<string, Entry<T>[]>();
  private readonly maxEntries: number;
  private sweptAt = -Infinity;

  constructor(private readonly options: ReusedOptions) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(entry: Entry<T>, now: number): boolean {
    if (!entry.settled) return true;
    const age = now - entry.at;
    return age >= 0 && age < this.options.reuseMs;
  }

  /** Whether an entry may still stand in for its family's next answer. */
  private usableStale(entry: Entry<T>, now: number): boolean {
    const age = now - entry.at;
    return age >= 0 && age < this.options.reuseMs + (this.options.staleMs ?? 0);
  }

  private entry(key: string, compute: () => Promise<T>, family?: string): Entry<T> {
    const now = this.options.clock();
    const found = this.entries.get(key);
    if (found && this.fresh(found, now)) return found;
    if (found) this.entries.delete(key);
    const entry: Entry<T> = { at: now, value: compute(), settled: false, derived: new WeakMap() };
    entry.value.then(
      () => {
        entry.settled = true;
        if (family !== undefined) this.remember(family, entry);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    this.entries.set(key, entry);
    this.bound(now);
    return entry;
  }

  /** An answer that is there, kept as its family's latest (newest first, two). */
  private remember(family: string, entry: Entry<T>): void {
    const entries = this.latest.get(family) ?? [];
    if (entries.includes(entry) || (entries[0] && entries[0].at > entry.at)) return;
    // Latest last in the map: the bound lets the families asked least recently go first.
    this.latest.delete(family);
    this.latest.set(family, [entry, ...entries].slice(0, 2));
  }

  private bound(now: number): void {
    // Expired answers are let go (once per reuse period, not per question), so a large answer is not
    // held after its time however few questions follow.
    if (this.entries.size > this.maxEntries || now - this.sweptAt >= this.options.reuseMs) {
      this.sweptAt = now;
      for (const [key, e] of this.entries) if (!this.fresh(e, now)) this.entries.delete(key);
      for (const [family, entries] of this.latest) {
        const usable = entries.filter((e) => this.usableStale(e, now));
        if (usable.length === 0) this.latest.delete(family);
        else if (usable.length < entries.length) this.latest.set(family, usable);
      }
    }
    // Map order is insertion order: the oldest first.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
    for (const family of this.latest.keys()) {
      if (this.latest.size <= this.maxEntries) break;
      this.latest.delete(family);
    }
  }

  /**
   * The answer to `key`: shared while computed and while fresh, else `compute()`d. With a `family`,
   * it stands in for the family's next answers once it is there (`derive`).
   */
  get(key: string, compute: () => Promise<T>, family?: string): Promise<T> {
    return this.entry(key, compute, family).value;
  }

  /** What is derived from an entry's answer for a view and key: started once, in a turn of its own. */
  private derivedOf<D>(entry: Entry<T>, q: DerivedQuestion<T, D>): Derived {
    let byKey = entry.derived.get(q.view);
    if (!byKey) entry.derived.set(q.view, (byKey = new Map()));
    let found = byKey.get(q.derivedKey);
    if (!found) {
      // Each build in a turn of the event loop of its own: when an answer arrives that several
      // derived answers wait for (a graph per namespace), requests are served between them rather
      // than after all of them.
      const made: Derived = {
        promise: entry.value.then((value) =>
          inTurnOfItsOwn(
            () => q.derive(value),
            () => made.urgent,
          ),
        ),
        settled: false,
        urgent: false,
      };
      made.promise.then(
        () => {
          made.settled = true;
        },
        () => byKey.delete(q.derivedKey),
      );
      byKey.set(q.derivedKey, (found = made));
    }
    return found;
  }

  /**
   * What is derived from the answer to `key` for `view` (a catalog view, which never changes once
   * handed out): built once per answer, view and `derivedKey`, so a catalog change is seen at once
   * while the telemetry's answer is still reused.
   *
   * With a `family` (and `staleMs`), a question whose answer or build is not there yet is answered
   * from the family's previous answer, if that is at most `staleMs` past its reuse: what was built
   * over it for the same view and key, or else built over it now (quick: the previous answer's
   * parts are kept). The next answer is computed and derived meanwhile, and served once it is there.
   */
  derive<D>(q: DerivedQuestion<T, D>): Promise<D> {
    const entry = this.entry(q.key, q.compute, q.family);
    const own = this.derivedOf(entry, q);
    if (own.settled || q.family === undefined || !this.options.staleMs) return waitedFor(own);
    const now = this.options.clock();
    const previous = (this.latest.get(q.family) ?? []).filter((e) => e !== entry && this.usableStale(e, now));
    for (const e of previous) {
      const built = e.derived.get(q.view)?.get(q.derivedKey);
      if (built?.settled) return built.promise as Promise<D>;
    }
    // Nothing built to stand in: while this answer is still being computed, a build over the
    // previous one (a question its family had not asked then: another namespace's graph).
    const stand = entry.settled ? undefined : previous[0];
    return waitedFor(stand ? this.derivedOf(stand, q) : own);
  }
}

/** What a request now waits for: if it is not there yet, its build is urgent (`inTurnOfItsOwn`). */
function waitedFor<D>(derived: Derived): Promise<D> {
  if (!derived.settled && !derived.urgent) {
    derived.urgent = true;
    hurryBuilds();
  }
  return derived.promise as Promise<D>;
}

/** Questions whose last answer is kept for comparison (each scope and window is one); the oldest go first. */
const DEFAULT_MAX_KEPT = 64;

/**
 * The last answer to each question, handed back in place of a new one with the same content, so
 * that what is built over an answer by identity (a WeakMap: the overview's rows, the topology's
 * nodes and edges) is built once per content, not once per reuse period. Telemetry's figures move
 * when Prometheus has scraped again (queries are evaluated on its scrape grid: `scrapeAligned`), and
 * not at all in a mesh without traffic. The content is compared structurally (`isDeepStrictEqual`),
 * which stops at the first difference: an answer that moved costs little to tell apart.
 */
/** How long an answer no one compares is kept (Unchanged): a minute, or four scrape intervals. */
export function keptMsFor(telemetry: Pick<TelemetrySource, 'scrapeIntervalSeconds'>): number {
  return Math.max(60_000, 4 * telemetry.scrapeIntervalSeconds * 1000);
}

export class Unchanged<T> {
  private readonly last = new Map<string, { value: T; at: number }>();
  private readonly maxKept: number;
  private readonly maxIdleMs: number;

  /**
   * `maxIdleMs`: an answer not compared for that long is let go (with what was built over it),
   * so a window or scope nobody looks at any more is not held; `clock` tells the time.
   */
  constructor(
    private readonly clock: () => number,
    options: { maxKept?: number; maxIdleMs: number },
  ) {
    this.maxKept = options.maxKept ?? DEFAULT_MAX_KEPT;
    this.maxIdleMs = options.maxIdleMs;
  }

  same(key: string, value: T): T {
    const now = this.clock();
    for (const [old, kept] of this.last) if (!(now - kept.at < this.maxIdleMs)) this.last.delete(old);
    const kept = this.last.get(key);
    if (kept && isDeepStrictEqual(kept.value, value)) {
      kept.at = now;
      return kept.value;
    }
    this.last.delete(key);
    this.last.set(key, { value, at: now });
    for (const old of this.last.keys()) {
      if (this.last.size <= this.maxKept) break;
      this.last.delete(old);
    }
    return value;
  }
}

/**
 * The time a Prometheus query is evaluated at: `now` rounded down to the scrape interval. Prometheus
 * extrapolates a rate to the end of its range, so the same samples give a slightly different answer
 * at every instant; on the grid, every question asked within one scrape interval gets the same
 * answer (what was scraped before it), and the figures move once per scrape, as the data does.
 */
export function scrapeAligned(nowMs: number, scrapeIntervalSeconds: number): number {
  const step = Math.max(1, Math.round(scrapeIntervalSeconds)) * 1000;
  return Math.floor(nowMs / step) * step;
}

/**
 * When telemetry is asked: Prometheus on its scrape grid (`scrapeAligned`), the time being part of
 * each question's key so an answer is reused until the grid moves on; the demo's own series at
 * their latest tick (undefined).
 */
export function evaluationTime(
  telemetry: Pick<TelemetrySource, 'kind' | 'scrapeIntervalSeconds'>,
  nowMs: number,
): number | undefined {
  return telemetry.kind === 'prometheus' ? scrapeAligned(nowMs, telemetry.scrapeIntervalSeconds) : undefined;
}
