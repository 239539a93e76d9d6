import { hashKey, notifyManager, useQueryClient } from '@tanstack/react-query';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { MAX_STREAM_SERVICES as ContractMaxServices } from '../../../bff/src/contract/monitoring';
import { API_BASE } from './api';

/**
 * The app's one Server-Sent Events stream (`GET /api/v1/stream`), shared by every component that wants
 * live data. Components subscribe to topics (the overview, the metrics of some services, in one time
 * window); the stream asks the server for the union of them, and each subscriber turns the events it
 * cares about into react-query cache writes. Writes are throttled and applied in one batch, so a burst
 * of events costs one render; the cache's structural sharing keeps unchanged rows and series identical,
 * so tables and charts update in place.
 *
 * Browsers' own EventSource retry gives up on an HTTP error and never backs off, so the stream closes
 * and reopens itself with exponential backoff and jitter instead.
 */

/** `idle`: nobody subscribed; `unsupported`: no EventSource here (jsdom), subscribers poll instead. */
export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unsupported';

/** What a subscriber needs on the stream. */
export interface StreamTopics {
  window: string;
  /** `overview` events. */
  overview?: boolean;
  /** `service-metrics` events for these service IDs. */
  services?: readonly string[];
}

export interface StreamEvent {
  type: string;
  data: unknown;
}

/** A change to one cache entry: the new value from the old. */
export interface StreamCacheWrite {
  queryKey: QueryKey;
  update: (old: unknown) => unknown;
}

/** Typed construction of a cache write; `update` returning undefined leaves the entry as it is. */
export function cacheWrite<T>(
  queryKey: QueryKey,
  update: (old: T | undefined) => T | undefined,
): StreamCacheWrite {
  return { queryKey, update: update as (old: unknown) => unknown };
}

export interface StreamSubscription extends StreamTopics {
  /** Called with every event of the stream; returns the cache writes it implies for this subscriber. */
  onEvent: (event: StreamEvent) => readonly StreamCacheWrite[];
}

export interface StreamSnapshot {
  state: StreamState;
  /** What the open (or opening) stream was asked for; null when there is none. */
  topics: { window: string; overview: boolean; services: readonly string[] } | null;
  /** Reconnection attempts since the stream was last open. */
  attempts: number;
}

export interface LiveStreamOptions {
  /** The stream's path. */
  path?: string;
  /** Event names to listen for. */
  events?: readonly string[];
  /** At most one batch of cache writes per this many ms. */
  throttleMs?: number;
  /** The first reconnection delay, doubled on every failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long the stream stays open without subscribers (a page change unmounts, then mounts). */
  lingerMs?: number;
  /** Defaults to the global EventSource, read when connecting. */
  eventSource?: typeof EventSource;
  random?: () => number;
}

/** The contract's MAX_STREAM_SERVICES (a value, so not imported into the bundle). */
const MAX_STREAM_SERVICES: typeof ContractMaxServices = 10;
const DEFAULT_STREAM_EVENTS = ['overview', 'service-metrics', 'telemetry-error'] as const;

const DEFAULTS = {
  path: `${API_BASE}/stream`,
  events: DEFAULT_STREAM_EVENTS,
  throttleMs: 250,
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  lingerMs: 2_000,
  random: Math.random,
};

interface Registered {
  subscription: StreamSubscription;
  order: number;
}

function sameTopics(a: StreamSnapshot['topics'], b: StreamSnapshot['topics']): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.window === b.window &&
    a.overview === b.overview &&
    a.services.length === b.services.length &&
    a.services.every((s, i) => s === b.services[i])
  );
}

/** Whether a stream asked for `stream` sends everything `wanted` needs. */
export function streamServes(stream: StreamSnapshot['topics'], wanted: StreamTopics): boolean {
  if (!stream || stream.window !== wanted.window) return false;
  if (wanted.overview && !stream.overview) return false;
  return (wanted.services ?? []).every((s) => stream.services.includes(s));
}

function streamUrl(path: string, topics: NonNullable<StreamSnapshot['topics']>): string {
  const params = new URLSearchParams({ window: topics.window, overview: String(topics.overview) });
  for (const service of topics.services) params.append('service', service);
  return `${path}?${params.toString()}`;
}

export class LiveStream {
  private readonly options: Required<Omit<LiveStreamOptions, 'eventSource'>> &
    Pick<LiveStreamOptions, 'eventSource'>;
  private readonly subscribers = new Map<symbol, Registered>();
  private readonly listeners = new Set<() => void>();
  private snapshot: StreamSnapshot = { state: 'idle', topics: null, attempts: 0 };
  private source: EventSource | null = null;
  private order = 0;
  private reconcileQueued = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = -Infinity;
  private readonly pending = new Map<string, StreamCacheWrite[]>();

  constructor(
    private readonly queryClient: QueryClient,
    options: LiveStreamOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  // ---- the store React reads (useSyncExternalStore) ----

  readonly subscribeState = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): StreamSnapshot => this.snapshot;

  private setSnapshot(next: Partial<StreamSnapshot>): void {
    const merged = { ...this.snapshot, ...next };
    if (
      merged.state === this.snapshot.state &&
      merged.attempts === this.snapshot.attempts &&
      sameTopics(merged.topics, this.snapshot.topics)
    ) {
      return;
    }
    this.snapshot = merged;
    for (const listener of this.listeners) listener();
  }

  // ---- subscriptions ----

  subscribe(subscription: StreamSubscription): () => void {
    const id = Symbol('subscriber');
    this.subscribers.set(id, { subscription, order: this.order++ });
    this.queueReconcile();
    return () => {
      this.subscribers.delete(id);
      this.queueReconcile();
    };
  }

  /**
   * The union of what subscribers want. One window per stream: the most recently subscribed one (the
   * panel the operator just opened); subscribers on another window are not served and poll instead.
   */
  wantedTopics(): StreamSnapshot['topics'] {
    const all = [...this.subscribers.values()].sort((a, b) => a.order - b.order).map((r) => r.subscription);
    const latest = all.at(-1);
    if (!latest) return null;
    const sameWindow = all.filter((s) => s.window === latest.window);
    const services: string[] = [];
    // The latest first, so a newly opened panel is served even when the cap is reached.
    for (const s of [...sameWindow].reverse()) {
      for (const service of s.services ?? []) {
        if (!services.includes(service) && services.length < MAX_STREAM_SERVICES) services.push(service);
      }
    }
    return {
      window: latest.window,
      overview: sameWindow.some((s) => s.overview === true),
      services: services.sort(),
    };
  }

  // Several components subscribe in one commit (and StrictMode subscribes twice): settle once.
  private queueReconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    queueMicrotask(() => {
      this.reconcileQueued = false;
      this.reconcile();
    });
  }

  private reconcile(): void {
    const wanted = this.wantedTopics();
    if (wanted === null) {
      if (this.snapshot.topics !== null && this.lingerTimer === undefined) {
        this.lingerTimer = setTimeout(() => {
          this.lingerTimer = undefined;
          if (this.wantedTopics() === null) this.close();
        }, this.options.lingerMs);
      }
      return;
    }
    this.clearLinger();
    if (sameTopics(wanted, this.snapshot.topics) && this.snapshot.state !== 'idle') return;
    this.open(wanted, 0);
  }

  private clearLinger(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  // ---- the connection ----

  private open(topics: NonNullable<StreamSnapshot['topics']>, attempts: number): void {
    this.closeSource();
    const EventSourceImpl = this.options.eventSource ?? globalThis.EventSource;
    if (typeof EventSourceImpl !== 'function') {
      this.setSnapshot({ state: 'unsupported', topics, attempts: 0 });
      return;
    }
    this.setSnapshot({ state: attempts === 0 ? 'connecting' : 'reconnecting', topics, attempts });
    const source = new EventSourceImpl(streamUrl(this.options.path, topics));
    this.source = source;
    source.onopen = () => {
      if (this.source === source) this.setSnapshot({ state: 'open', attempts: 0 });
    };
    source.onerror = () => {
      if (this.source === source) this.scheduleReconnect();
    };
    for (const type of this.options.events) {
      source.addEventListener(type, (event) => {
        if (this.source === source) this.dispatch(type, (event as MessageEvent<string>).data);
      });
    }
  }

  private scheduleReconnect(): void {
    this.closeSource();
    const attempts = this.snapshot.attempts + 1;
    const { initialBackoffMs, maxBackoffMs, random } = this.options;
    const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempts - 1));
    // Jitter, so a restarted server is not met by every browser at the same instant.
    const delay = ceiling / 2 + (random() * ceiling) / 2;
    this.setSnapshot({ state: 'reconnecting', attempts });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const wanted = this.wantedTopics();
      if (wanted) this.open(wanted, attempts);
      else this.close();
    }, delay);
  }

  private closeSource(): void {
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.source) {
      this.source.onopen = null;
      this.source.onerror = null;
      this.source.close();
      this.source = null;
    }
  }

  /** Closes the stream and forgets every pending write. */
  close(): void {
    this.closeSource();
    this.clearLinger();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending.clear();
    this.setSnapshot({ state: 'idle', topics: null, attempts: 0 });
  }

  // ---- events into the cache ----

  private dispatch(type: string, raw: string): void {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return; // Not ours to show; the next event will do.
    }
    const event: StreamEvent = { type, data };
    for (const { subscription } of this.subscribers.values()) {
      for (const write of subscription.onEvent(event)) {
        const hash = hashKey(write.queryKey);
        const writes = this.pending.get(hash);
        if (writes) writes.push(write);
        else this.pending.set(hash, [write]);
      }
    }
    if (this.pending.size > 0) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.options.throttleMs - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  /** Applies the pending writes now, in one batch (one render). */
  flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.lastFlush = Date.now();
    const batches = [...this.pending.values()];
    this.pending.clear();
    notifyManager.batch(() => {
      for (const writes of batches) {
        const queryKey = writes[0]?.queryKey;
        if (!queryKey) continue;
        // An update that returns undefined keeps the value (setQueryData then does nothing).
        this.queryClient.setQueryData(queryKey, (old: unknown) =>
          writes.reduce((value, write) => {
            const next = write.update(value);
            return next === undefined ? value : next;
          }, old),
        );
      }
    });
  }
}

const streams = new WeakMap<QueryClient, LiveStream>();

/** The one stream of the app (of its QueryClient): made on first use, shared by every subscriber. */
function getLiveStream(queryClient: QueryClient, options?: LiveStreamOptions): LiveStream {
  let stream = streams.get(queryClient);
  if (!stream) {
    stream = new LiveStream(queryClient, options);
    streams.set(queryClient, stream);
  }
  return stream;
}

export interface LiveSubscriptionState {
  state: StreamState;
  /** The stream is open and sends what this subscriber asked for: no need to poll. */
  live: boolean;
}

/**
 * Subscribes to topics of the app's stream while mounted (`enabled`). `onEvent` may change on every
 * render; the subscription only changes with the topics.
 */
export function useLiveSubscription(
  topics: StreamTopics,
  onEvent: StreamSubscription['onEvent'],
  enabled = true,
): LiveSubscriptionState {
  const queryClient = useQueryClient();
  const stream = getLiveStream(queryClient);
  const snapshot = useSyncExternalStore(stream.subscribeState, stream.getSnapshot, stream.getSnapshot);
  const onEventRef = useRef(onEvent);
  useEffect(() => {
    onEventRef.current = onEvent;
  });

  const { window, overview = false } = topics;
  const servicesKey = (topics.services ?? []).join('\n');
  useEffect(() => {
    if (!enabled) return undefined;
    return stream.subscribe({
      window,
      overview,
      services: servicesKey ? servicesKey.split('\n') : [],
      onEvent: (event) => onEventRef.current(event),
    });
  }, [stream, enabled, window, overview, servicesKey]);

  return {
    state: snapshot.state,
    live: enabled && snapshot.state === 'open' && streamServes(snapshot.topics, topics),
  };
}
