import type { Gauge } from 'prom-client';
import { STREAM_EVENTS } from '../../contract/monitoring';
import type { MonitoringWindow, TelemetryStreamError } from '../../contract/monitoring';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { ALL_NAMESPACES, scopeKey } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import type { MonitoringService } from './monitoring';

/** One connection of the event stream, as the hub needs it (the HTTP layer adapts a response). */
export interface StreamClient {
  /** Writes a chunk; false when the connection's buffer is full (the chunk is kept, no more should follow). */
  write(chunk: string): boolean;
  /** Calls back once when the buffer has drained. */
  onceDrained(callback: () => void): void;
  close(): void;
}

export interface StreamSubscription {
  window: MonitoringWindow;
  overview: boolean;
  services: string[];
  /**
   * The namespaces the client may see (its user's, features/auth/scope.ts; default all). Every
   * frame it gets is computed for this scope: clients of the same scope share frames, no other.
   */
  scope?: NamespaceScope;
}

export interface StreamOptions {
  monitoring: Pick<MonitoringService, 'overview' | 'serviceMetrics'>;
  log: Logger;
  /** Time between two rounds of updates (default 5 s). */
  intervalMs?: number;
  /** Time between two heartbeat comments, which keep proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
  /** A client that cannot take data for this long is disconnected (default: 6 rounds, at least 30 s). */
  maxStalledMs?: number;
  clock?: () => number;
  /** `mesh_console_open_streams`: the clients connected. */
  openStreams?: Gauge;
}

/**
 * The last frame a client gets when the console shuts down: it says why the stream ends, and
 * `retry` has EventSource reconnect (to another replica, behind the Service) within a second.
 */
const SHUTDOWN_FRAME = 'retry: 1000\nevent: shutdown\ndata: {"reason":"The console is restarting"}\n\n';

interface ClientState {
  client: StreamClient;
  topics: string[];
  /** Waiting for the buffer to drain since; null while writable. */
  stalledSince: number | null;
  /** While stalled: the latest frame per topic, replacing older ones (never a queue). */
  pending: Map<string, string>;
}

interface Topic {
  event: string;
  compute: () => Promise<unknown>;
}

function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The hub of the monitoring event stream. Every round (5 s by default) it computes each topic that any
 * client wants once (the overview of a window, the metrics of a service in a window), serializes it
 * once, and writes the same frame to every client that wants it: 100 clients cost one computation.
 * A slow client gets no queue: while its connection's buffer is full it keeps only the latest frame of
 * each topic, and a client stalled for too long is disconnected (EventSource reconnects by itself).
 * Rounds never overlap: a round still waiting for Prometheus makes the next one wait its turn.
 */
export class MonitoringStream {
  private readonly clients = new Set<ClientState>();
  private readonly latest = new Map<string, string>();
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  private readonly maxStalledMs: number;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private immediate = false;
  /** Rounds completed (for tests and benchmarks). */
  rounds = 0;

  constructor(private readonly options: StreamOptions) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.maxStalledMs = options.maxStalledMs ?? Math.max(30_000, 6 * this.intervalMs);
    this.clock = options.clock ?? Date.now;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * What each topic key means. Keys are built from their parts (JSON, so no service ID or namespace
   * can make two topics share a key) and never parsed back: a topic is computed from its definition.
   */
  private readonly topics = new Map<string, Topic & { name: string }>();

  private topicsOf(sub: StreamSubscription): string[] {
    const scope = sub.scope ?? ALL_NAMESPACES;
    const define = (key: string, topic: Topic & { name: string }) => {
      if (!this.topics.has(key)) this.topics.set(key, topic);
      return key;
    };
    const w = sub.window;
    const keys = sub.services.map((id) =>
      define(JSON.stringify(['service', w, scopeKey(scope), id]), {
        name: id,
        event: STREAM_EVENTS.serviceMetrics,
        compute: () => this.options.monitoring.serviceMetrics(id, w, scope),
      }),
    );
    if (sub.overview)
      keys.unshift(
        define(JSON.stringify(['overview', w, scopeKey(scope)]), {
          name: 'overview',
          event: STREAM_EVENTS.overview,
          compute: () => this.options.monitoring.overview(w, scope),
        }),
      );
    return keys;
  }

  /** Adds a client; returns the function that removes it (call it when the connection closes). */
  add(client: StreamClient, sub: StreamSubscription): () => void {
    const state: ClientState = { client, topics: this.topicsOf(sub), stalledSince: null, pending: new Map() };
    this.clients.add(state);
    this.options.openStreams?.set(this.clients.size);
    let missing = false;
    for (const t of state.topics) {
      const frame = this.latest.get(t);
      if (frame) this.send(state, t, frame);
      else missing = true;
    }
    // A newcomer whose topics nobody has asked about yet should not wait a whole interval.
    if (missing) this.soon();
    this.startTimers();
    return () => this.remove(state);
  }

  private remove(state: ClientState) {
    if (!this.clients.delete(state)) return;
    this.options.openStreams?.set(this.clients.size);
    if (this.clients.size === 0) this.stopTimers();
    this.forgetUnwatched();
  }

  private forgetUnwatched() {
    const wanted = new Set([...this.clients].flatMap((c) => c.topics));
    for (const t of this.latest.keys()) if (!wanted.has(t)) this.latest.delete(t);
    for (const t of this.topics.keys()) if (!wanted.has(t)) this.topics.delete(t);
  }

  private startTimers() {
    if (this.timer) return;
    this.timer = setInterval(() => this.roundSafely(), this.intervalMs);
    this.timer.unref();
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopTimers() {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
  }

  private soon() {
    if (this.immediate) return;
    this.immediate = true;
    setImmediate(() => {
      this.immediate = false;
      this.roundSafely();
    });
  }

  /** A round from a timer: a failure is logged, never an unhandled rejection that ends the process. */
  private roundSafely() {
    this.round().catch((err: unknown) => this.options.log.error({ err }, 'stream round failed'));
  }

  /** One round: compute every wanted topic once, then write the frames. Resolves when written. */
  round(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.runRound().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runRound(): Promise<void> {
    this.dropStalled();
    const wanted = [...new Set([...this.clients].flatMap((c) => c.topics))];
    if (wanted.length === 0) return;
    const frames = await Promise.all(wanted.map((key) => this.frame(key)));
    wanted.forEach((key, i) => this.latest.set(key, frames[i] as string));
    for (const state of this.clients) {
      for (const key of state.topics) {
        const frame = this.latest.get(key);
        if (frame) this.send(state, key, frame);
      }
    }
    this.rounds++;
  }

  private async frame(key: string): Promise<string> {
    const topic = this.topics.get(key);
    if (!topic)
      return sseFrame(STREAM_EVENTS.error, { topic: key, code: 'Internal', message: 'Unknown topic' });
    try {
      return sseFrame(topic.event, await topic.compute());
    } catch (err) {
      let body: TelemetryStreamError;
      if (err instanceof ApiError) body = { topic: topic.name, code: err.code, message: err.message };
      else {
        this.options.log.error({ err, topic: key }, 'stream update failed');
        body = {
          topic: topic.name,
          code: 'Internal',
          message: 'Internal error; the details are in the server log',
        };
      }
      return sseFrame(STREAM_EVENTS.error, body);
    }
  }

  private send(state: ClientState, topic: string, frame: string) {
    if (state.stalledSince !== null) {
      state.pending.set(topic, frame);
      return;
    }
    if (!state.client.write(frame)) this.stall(state);
  }

  private stall(state: ClientState) {
    state.stalledSince = this.clock();
    state.client.onceDrained(() => {
      state.stalledSince = null;
      const pending = [...state.pending.entries()];
      state.pending.clear();
      for (const [topic, frame] of pending) this.send(state, topic, frame);
    });
  }

  private dropStalled() {
    const now = this.clock();
    for (const state of [...this.clients]) {
      if (state.stalledSince !== null && now - state.stalledSince > this.maxStalledMs) {
        this.options.log.info(
          { stalledMs: now - state.stalledSince },
          'closing a stream client that takes no data',
        );
        this.remove(state);
        state.client.close();
      }
    }
  }

  private beat() {
    this.dropStalled();
    for (const state of this.clients) {
      if (state.stalledSince === null && !state.client.write(': heartbeat\n\n')) this.stall(state);
    }
  }

  /** Stops the timers and ends every client's stream with a last frame saying so (server shutdown). */
  close(): void {
    this.stopTimers();
    for (const state of [...this.clients]) {
      this.clients.delete(state);
      state.client.write(SHUTDOWN_FRAME);
      state.client.close();
    }
    this.options.openStreams?.set(0);
    this.latest.clear();
  }
}
