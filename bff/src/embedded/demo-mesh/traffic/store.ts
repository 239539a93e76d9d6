import { ISTIO_BUCKETS } from '../../../features/monitoring/istio-metrics';

/**
 * The demo mesh's own time series: per-tick aggregates kept in ring buffers, so the embedded telemetry
 * source answers the monitoring page's questions without a Prometheus. Three tiers: 5-second slots
 * for the last ~16 minutes (the 5m and 15m windows), 1-minute slots for the last 70 minutes (1h) and
 * 6-minute slots for the last 6.5 hours (6h), so any window sums about 60 slots. Every tick is added to
 * each tier. Memory is fixed per cell: a slot is one Float32Array over all cells (2,000 services × 3
 * versions: 600 kB a slot, 200 MB for all 335), not an object per request.
 *
 * Three kinds of cell, one per question:
 *  - group: a version of a service (requests, errors, duration sum and buckets, bytes, those over mTLS);
 *  - consumer: a calling workload of a service (requests, errors, those over mTLS);
 *  - instance: an instance of a service (requests, errors, duration sum).
 * Each kind also keeps the L4 (TCP) figures: connections opened and closed, bytes sent to and received
 * from the client, as Istio's istio_tcp_* metrics count them (ztunnel in ambient mode, a sidecar's TCP
 * proxy otherwise). An ambient workload without a waypoint, or a TCP service, has only these.
 *
 * A slot covers the half-open interval (k·width, (k+1)·width], and a tick ending at t falls into the
 * slot containing t: like a Prometheus sample at t, it belongs to every range that ends at or after t.
 */

export const BUCKET_COUNT = ISTIO_BUCKETS.length + 1;

/**
 * Where each figure sits within a cell's row of a slot (a cell is `width` floats): a group cell, a
 * version of a service.
 */
export const GROUP_FIELDS = {
  requests: 0,
  errors: 1,
  durationSum: 2,
  inBytes: 3,
  outBytes: 4,
  /** Of the errors, those answered 4xx (the topology's health tells 4xx from 5xx, as Kiali's does). */
  clientErrors: 5,
  buckets: 6,
  /** Of the requests, those a rate limit turned away (429 with response_flags "RL"). */
  limited: 6 + BUCKET_COUNT,
  /**
   * Requests a rate limit in shadow mode would have refused (they passed): Envoy's
   * http_local_rate_limit.rate_limited counted them, .enforced did not.
   */
  shadowLimited: 7 + BUCKET_COUNT,
  /** L4: connections opened (istio_tcp_connections_opened_total). */
  tcpOpened: 8 + BUCKET_COUNT,
  /** L4: connections closed (istio_tcp_connections_closed_total). */
  tcpClosed: 9 + BUCKET_COUNT,
  /** L4: bytes sent to the client (istio_tcp_sent_bytes_total). */
  tcpSentBytes: 10 + BUCKET_COUNT,
  /** L4: bytes received from the client (istio_tcp_received_bytes_total). */
  tcpReceivedBytes: 11 + BUCKET_COUNT,
  /** Of the requests, those the destination received over mutual TLS. */
  mtls: 12 + BUCKET_COUNT,
  width: 13 + BUCKET_COUNT,
} as const;
/** The figures of a consumer cell: a calling workload of a service. */
export const CONSUMER_FIELDS = {
  requests: 0,
  errors: 1,
  clientErrors: 2,
  tcpOpened: 3,
  tcpClosed: 4,
  tcpSentBytes: 5,
  tcpReceivedBytes: 6,
  /** Of the requests, those the destination received over mutual TLS. */
  mtls: 7,
  width: 8,
} as const;
/** The figures of an instance cell: an instance serving a service. */
export const INSTANCE_FIELDS = {
  requests: 0,
  errors: 1,
  durationSum: 2,
  tcpOpened: 3,
  tcpClosed: 4,
  tcpSentBytes: 5,
  tcpReceivedBytes: 6,
  width: 7,
} as const;

/** The L4 figures every kind of cell keeps, at the same names. */
const TCP_FIELD_NAMES = ['tcpOpened', 'tcpClosed', 'tcpSentBytes', 'tcpReceivedBytes'] as const;

export type CellKind = 'group' | 'consumer' | 'instance';
const WIDTH: Record<CellKind, number> = {
  group: GROUP_FIELDS.width,
  consumer: CONSUMER_FIELDS.width,
  instance: INSTANCE_FIELDS.width,
};

export interface GroupMeta {
  serviceId: string;
  app: string;
  namespace: string;
  version: string;
}
export interface ConsumerMeta {
  serviceId: string;
  workload: string;
  app: string;
  namespace: string;
  version: string;
  /**
   * The caller's identity as the destination saw it (Istio's source_principal) without `spiffe://`:
   * `cluster.local/ns/<namespace>/sa/<service account>`. Null or absent: plaintext or unknown. A cell
   * keeps the principal it was made with.
   */
  principal?: string | null;
}
export interface InstanceMeta {
  serviceId: string;
  instance: string;
  version: string;
}

/** One tier's ring of slots for one kind of cell. */
class SlotRing {
  private readonly slotIds: Float64Array;
  private readonly data: (Float32Array | null)[];
  private capacity = 64;

  constructor(
    readonly slotMs: number,
    readonly slots: number,
    readonly width: number,
  ) {
    this.slotIds = new Float64Array(slots).fill(-1);
    this.data = Array<Float32Array | null>(slots).fill(null);
  }

  slotOf(tMs: number): number {
    return Math.ceil(tMs / this.slotMs) - 1;
  }

  /** The row array of a slot for writing (allocated or recycled); cells start at cell × width. */
  writable(slot: number, cells: number): Float32Array {
    if (cells > this.capacity) this.grow(cells);
    const pos = slot % this.slots;
    let arr = this.data[pos];
    if (!arr) {
      arr = new Float32Array(this.capacity * this.width);
      this.data[pos] = arr;
      this.slotIds[pos] = slot;
    } else if (this.slotIds[pos] !== slot) {
      arr.fill(0);
      this.slotIds[pos] = slot;
    }
    return arr;
  }

  /** The data of a slot, or null when the ring holds nothing for it (never written, or overwritten). */
  readable(slot: number): Float32Array | null {
    if (slot < 0) return null;
    const pos = slot % this.slots;
    return this.slotIds[pos] === slot ? (this.data[pos] ?? null) : null;
  }

  private grow(cells: number) {
    let capacity = this.capacity;
    while (capacity < cells) capacity *= 2;
    for (let i = 0; i < this.data.length; i++) {
      const old = this.data[i];
      if (!old) continue;
      const next = new Float32Array(capacity * this.width);
      next.set(old);
      this.data[i] = next;
    }
    this.capacity = capacity;
  }
}

export interface Tier {
  slotMs: number;
  slots: number;
}

/** 5 s for the 5m and 15m windows, 1 min for 1h, 6 min for 6h: each window sums about 60 slots. */
const DEFAULT_TIERS: readonly Tier[] = [
  { slotMs: 5_000, slots: 200 },
  { slotMs: 60_000, slots: 70 },
  { slotMs: 360_000, slots: 65 },
];

class CellIndex<M> {
  readonly meta: M[] = [];
  private readonly byKey = new Map<string, number>();

  get size(): number {
    return this.meta.length;
  }

  index(key: string, make: () => M): number {
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.meta.length;
      this.meta.push(make());
      this.byKey.set(key, i);
    }
    return i;
  }
}

/** What one tick adds for one (caller, instance, response code) of a service version. */
export interface TickRecord {
  group: number;
  consumer: number;
  instance: number;
  requests: number;
  errors: number;
  durationSum: number;
  inBytes: number;
  outBytes: number;
  /** Of the errors, those answered 4xx (0 when left out). */
  clientErrors?: number;
  /** Of the requests, those a rate limit turned away (0 when left out). */
  limited?: number;
  /** Of the requests, those a shadow-mode rate limit would have turned away (0 when left out). */
  shadowLimited?: number;
  /**
   * Of the requests, those the destination received over mutual TLS (connection_security_policy
   * "mutual_tls"); 0 when left out. Kept in group and consumer cells.
   */
  mtls?: number;
  /** Duration bucket counts (not cumulative), one per bound, then +Inf. */
  buckets: ArrayLike<number>;
  /**
   * L4 (TCP) traffic in this record, as ztunnel or a sidecar's TCP proxy counts it (0 when left out).
   * A pure-TCP record (a database, an ambient workload without a waypoint) carries `requests: 0`.
   */
  tcpOpened?: number;
  tcpClosed?: number;
  /** Bytes sent to the client (istio_tcp_sent_bytes_total). */
  tcpSentBytes?: number;
  /** Bytes received from the client (istio_tcp_received_bytes_total). */
  tcpReceivedBytes?: number;
}

export class TrafficStore {
  readonly groups = new CellIndex<GroupMeta>();
  readonly consumers = new CellIndex<ConsumerMeta>();
  readonly instances = new CellIndex<InstanceMeta>();
  private readonly rings: Record<CellKind, SlotRing>[];
  private lastMs = 0;
  private firstMs: number | null = null;
  private sinceMs: number | null = null;
  /** Group cells by service, for per-service questions. */
  private readonly groupsOfService = new Map<string, number[]>();
  private readonly consumersOfService = new Map<string, number[]>();
  private readonly instancesOfService = new Map<string, number[]>();

  constructor(readonly tiers: readonly Tier[] = DEFAULT_TIERS) {
    this.rings = tiers.map((t) => ({
      group: new SlotRing(t.slotMs, t.slots, WIDTH.group),
      consumer: new SlotRing(t.slotMs, t.slots, WIDTH.consumer),
      instance: new SlotRing(t.slotMs, t.slots, WIDTH.instance),
    }));
  }

  /** The time of the last tick recorded: "now" for the embedded source. */
  get now(): number {
    return this.lastMs;
  }

  /** The time of the first tick recorded (series have no points before it). */
  get first(): number {
    return this.firstMs ?? this.lastMs;
  }

  /**
   * Since when the store holds data: the start of the first tick (see coverFrom), else the first tick's
   * end. A window reaching further back than this is only partly covered, and its rates are over the
   * covered part (a 6-hour window over 23 minutes of data divides by 23 minutes, not 6 hours).
   */
  get since(): number {
    return this.sinceMs ?? this.first;
  }

  /** Marks the start of the interval the first tick covers (later calls are ignored). */
  coverFrom(tMs: number): void {
    this.sinceMs ??= tMs;
  }

  /** Seconds of data the store holds of the `rangeSeconds` ending at `atMs`: 0 to rangeSeconds. */
  coveredSeconds(rangeSeconds: number, atMs: number = this.now): number {
    if (this.firstMs === null) return 0;
    return Math.max(0, Math.min(rangeSeconds, (atMs - this.since) / 1000));
  }

  groupCell(meta: GroupMeta): number {
    return this.groups.index(`${meta.serviceId}\u0000${meta.version}`, () => {
      push(this.groupsOfService, meta.serviceId, this.groups.size);
      return meta;
    });
  }

  consumerCell(meta: ConsumerMeta): number {
    return this.consumers.index(`${meta.serviceId}\u0000${meta.namespace}\u0000${meta.workload}`, () => {
      push(this.consumersOfService, meta.serviceId, this.consumers.size);
      return meta;
    });
  }

  instanceCell(meta: InstanceMeta): number {
    return this.instances.index(`${meta.serviceId}\u0000${meta.instance}\u0000${meta.version}`, () => {
      push(this.instancesOfService, meta.serviceId, this.instances.size);
      return meta;
    });
  }

  cellsOf(kind: CellKind, serviceId: string): readonly number[] {
    const map =
      kind === 'group'
        ? this.groupsOfService
        : kind === 'consumer'
          ? this.consumersOfService
          : this.instancesOfService;
    return map.get(serviceId) ?? [];
  }

  /** Adds one tick's records, all ending at `tMs`. */
  record(tMs: number, records: readonly TickRecord[]): void {
    for (const r of records) this.add(tMs, r);
  }

  /** The slot arrays a tick ending at `tMs` writes to, per tier; kept while the tick lasts. */
  private openTick: { tMs: number; rows: { g: Float32Array; c: Float32Array; i: Float32Array }[] } | null =
    null;

  private rowsFor(tMs: number, r: TickRecord) {
    let open = this.openTick;
    const fits = (rows: { g: Float32Array; c: Float32Array; i: Float32Array }) =>
      r.group * GROUP_FIELDS.width < rows.g.length &&
      r.consumer * CONSUMER_FIELDS.width < rows.c.length &&
      r.instance * INSTANCE_FIELDS.width < rows.i.length;
    if (!open || open.tMs !== tMs || !open.rows.every(fits)) {
      open = {
        tMs,
        rows: this.rings.map((rings) => ({
          g: rings.group.writable(rings.group.slotOf(tMs), this.groups.size),
          c: rings.consumer.writable(rings.consumer.slotOf(tMs), this.consumers.size),
          i: rings.instance.writable(rings.instance.slotOf(tMs), this.instances.size),
        })),
      };
      this.openTick = open;
    }
    return open.rows;
  }

  /** Adds one record of a tick ending at `tMs` (the record is copied; the caller may reuse it). */
  add(tMs: number, r: TickRecord): void {
    for (const { g, c, i } of this.rowsFor(tMs, r)) {
      const go = r.group * GROUP_FIELDS.width;
      add(g, go + GROUP_FIELDS.requests, r.requests);
      add(g, go + GROUP_FIELDS.errors, r.errors);
      add(g, go + GROUP_FIELDS.durationSum, r.durationSum);
      add(g, go + GROUP_FIELDS.inBytes, r.inBytes);
      add(g, go + GROUP_FIELDS.outBytes, r.outBytes);
      add(g, go + GROUP_FIELDS.clientErrors, r.clientErrors ?? 0);
      for (let b = 0; b < BUCKET_COUNT; b++) add(g, go + GROUP_FIELDS.buckets + b, r.buckets[b] as number);
      add(g, go + GROUP_FIELDS.limited, r.limited ?? 0);
      add(g, go + GROUP_FIELDS.shadowLimited, r.shadowLimited ?? 0);
      add(g, go + GROUP_FIELDS.mtls, r.mtls ?? 0);
      const co = r.consumer * CONSUMER_FIELDS.width;
      add(c, co + CONSUMER_FIELDS.requests, r.requests);
      add(c, co + CONSUMER_FIELDS.errors, r.errors);
      add(c, co + CONSUMER_FIELDS.clientErrors, r.clientErrors ?? 0);
      add(c, co + CONSUMER_FIELDS.mtls, r.mtls ?? 0);
      const io = r.instance * INSTANCE_FIELDS.width;
      add(i, io + INSTANCE_FIELDS.requests, r.requests);
      add(i, io + INSTANCE_FIELDS.errors, r.errors);
      add(i, io + INSTANCE_FIELDS.durationSum, r.durationSum);
      for (const f of TCP_FIELD_NAMES) {
        const v = r[f];
        if (!v) continue;
        add(g, go + GROUP_FIELDS[f], v);
        add(c, co + CONSUMER_FIELDS[f], v);
        add(i, io + INSTANCE_FIELDS[f], v);
      }
    }
    if (tMs > this.lastMs) this.lastMs = tMs;
    this.firstMs ??= tMs;
  }

  /**
   * The finest tier that can answer a query: slots that divide its step and rate interval, and a
   * horizon that holds the whole window plus one rate interval.
   */
  tierFor(rangeSeconds: number, stepSeconds: number, rateSeconds: number): number {
    for (let t = 0; t < this.tiers.length; t++) {
      const tier = this.tiers[t] as Tier;
      const fits =
        (stepSeconds * 1000) % tier.slotMs === 0 &&
        (rateSeconds * 1000) % tier.slotMs === 0 &&
        tier.slots * tier.slotMs >= (rangeSeconds + rateSeconds) * 1000 + tier.slotMs;
      if (fits) return t;
    }
    return this.tiers.length - 1;
  }

  /**
   * Sums cells over the interval (fromMs, toMs] into `out` (groupCount × width, row per group):
   * `cells[k]` is added to row `groupOf[k]`. The oldest slot counts by the part of it inside the
   * interval (as Prometheus extrapolates a rate to the range's edge); the newest slot counts whole,
   * since nothing in it is later than the last tick.
   */
  accumulate(
    kind: CellKind,
    tier: number,
    fromMs: number,
    toMs: number,
    cells: ArrayLike<number>,
    groupOf: ArrayLike<number>,
    out: Float64Array,
  ): void {
    const ring = (this.rings[tier] as Record<CellKind, SlotRing>)[kind];
    const width = ring.width;
    const first = ring.slotOf(fromMs + 1);
    const last = ring.slotOf(toMs);
    for (let slot = first; slot <= last; slot++) {
      const data = ring.readable(slot);
      if (!data) continue;
      const slotStart = slot * ring.slotMs;
      const weight = slot === first && slot !== last ? (slotStart + ring.slotMs - fromMs) / ring.slotMs : 1;
      const n = data.length / width;
      for (let k = 0; k < cells.length; k++) {
        const cell = cells[k] as number;
        if (cell >= n) continue;
        const src = cell * width;
        const dst = (groupOf[k] as number) * width;
        for (let f = 0; f < width; f++) add(out, dst + f, (data[src + f] as number) * weight);
      }
    }
  }

  /** The slot width of a tier, ms. */
  slotMs(tier: number): number {
    return (this.tiers[tier] as Tier).slotMs;
  }
}

function add(arr: Float32Array | Float64Array, i: number, value: number) {
  arr[i] = (arr[i] as number) + value;
}

function push(map: Map<string, number[]>, key: string, value: number) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
