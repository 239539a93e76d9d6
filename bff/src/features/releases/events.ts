import type { ReleaseView } from '../../contract/releases';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { StreamClient } from '../monitoring/stream';

export interface ReleaseEventsOptions {
  /** Reads a release as the API shows it (404 when it is gone). */
  read: (serviceId: string, name: string) => Promise<ReleaseView>;
  log: Logger;
  /** How often a watched release is read again (default 1 s, the controller's tick). */
  pollMs?: number;
  /** Time between two heartbeat comments, which keep proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
}

interface Subscriber {
  client: StreamClient;
  /** The latest frame not yet written while the client's buffer is full. */
  pending: string | null;
  draining: boolean;
}

interface Topic {
  serviceId: string;
  name: string;
  subscribers: Set<Subscriber>;
  last: string | null;
  lastVersion: string | null;
  timer: NodeJS.Timeout | null;
  reading: boolean;
}

/** The frame a stream ends with when the console shuts down (EventSource reconnects within a second). */
const SHUTDOWN_FRAME = 'retry: 1000\nevent: shutdown\ndata: {"reason":"The console is restarting"}\n\n';

/**
 * The live stream of one release (`GET …/releases/{name}/events`): an event `release` with the
 * ReleaseView whenever its resourceVersion changes, heartbeats in between, and an event `deleted`
 * when the object is gone. Each release watched is read once per poll however many clients watch it.
 */
export class ReleaseEvents {
  private readonly topics = new Map<string, Topic>();
  private readonly pollMs: number;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: ReleaseEventsOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  /** Adds a client, sending the release as it is now; returns the function that removes it. */
  add(serviceId: string, name: string, client: StreamClient, current: ReleaseView): () => void {
    if (this.closed) {
      client.write(SHUTDOWN_FRAME);
      client.close();
      return () => undefined;
    }
    const key = `${serviceId}\n${name}`;
    let topic = this.topics.get(key);
    if (!topic) {
      topic = {
        serviceId,
        name,
        subscribers: new Set(),
        last: null,
        lastVersion: current.resourceVersion,
        timer: null,
        reading: false,
      };
      this.topics.set(key, topic);
      this.schedule(topic);
    }
    const sub: Subscriber = { client, pending: null, draining: false };
    topic.subscribers.add(sub);
    this.send(sub, frame('release', current));
    const t = topic;
    return () => {
      t.subscribers.delete(sub);
      if (t.subscribers.size === 0) {
        if (t.timer) clearTimeout(t.timer);
        this.topics.delete(key);
      }
    };
  }

  private schedule(topic: Topic): void {
    topic.timer = setTimeout(() => void this.poll(topic), this.pollMs);
    topic.timer.unref();
  }

  private async poll(topic: Topic): Promise<void> {
    if (this.closed || topic.subscribers.size === 0) return;
    try {
      const view = await this.options.read(topic.serviceId, topic.name);
      if (view.resourceVersion !== topic.lastVersion) {
        topic.lastVersion = view.resourceVersion;
        const next = frame('release', view);
        if (next !== topic.last) {
          topic.last = next;
          for (const sub of topic.subscribers) this.send(sub, next);
        }
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        for (const sub of topic.subscribers) {
          sub.client.write(frame('deleted', { name: topic.name }));
          sub.client.close();
        }
        return;
      }
      this.options.log.warn({ err, release: topic.name }, 'could not read a watched release');
    }
    if (!this.closed && topic.subscribers.size > 0) this.schedule(topic);
  }

  private send(sub: Subscriber, chunk: string): void {
    if (sub.draining) {
      sub.pending = chunk;
      return;
    }
    if (!sub.client.write(chunk)) {
      sub.draining = true;
      sub.client.onceDrained(() => {
        sub.draining = false;
        const pending = sub.pending;
        sub.pending = null;
        if (pending) this.send(sub, pending);
      });
    }
  }

  private beat(): void {
    for (const topic of this.topics.values())
      for (const sub of topic.subscribers) if (!sub.draining) sub.client.write(': heartbeat\n\n');
  }

  /** Ends every stream with a frame saying why (server shutdown). */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const topic of this.topics.values()) {
      if (topic.timer) clearTimeout(topic.timer);
      for (const sub of topic.subscribers) {
        sub.client.write(SHUTDOWN_FRAME);
        sub.client.close();
      }
    }
    this.topics.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
