/** Number formats of the monitoring screens. A value that cannot be computed (null) shows as a dash. */

export const NO_VALUE = '—';

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(language: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${language}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(language, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** A count or rate: at most `digits` decimals, grouped (1,464.6). */
export function formatNumber(value: number | null, language: string, digits = 1): string {
  if (value === null || !Number.isFinite(value)) return NO_VALUE;
  return numberFormat(language, { maximumFractionDigits: digits }).format(value);
}

/** A duration in ms, as the talk shows it (298.4, 2.27). */
export function formatMs(value: number | null, language: string): string {
  return formatNumber(value, language, 2);
}

/** A ratio 0..1 as a percentage with at most two decimals (18.33%, 0%). */
export function formatPercent(value: number | null, language: string): string {
  if (value === null || !Number.isFinite(value)) return NO_VALUE;
  return numberFormat(language, { style: 'percent', maximumFractionDigits: 2 }).format(value);
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/**
 * Bytes in the largest decimal unit that keeps the number at least 1 (1.4 kB). Decimal, not binary:
 * chart axes put their ticks at round decimal numbers, which then read as round sizes.
 */
export function formatBytes(value: number | null, language: string): string {
  if (value === null || !Number.isFinite(value)) return NO_VALUE;
  let unit = 0;
  let scaled = value;
  while (Math.abs(scaled) >= 1000 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1000;
    unit += 1;
  }
  return `${formatNumber(scaled, language, unit === 0 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

/** L4 traffic in one short line: bytes each way per second and connections per second. */
export function formatTcp(
  tcp: { sentBytesPerSecond: number; receivedBytesPerSecond: number; connectionsOpenedPerSecond: number },
  language: string,
  units: { perSecond: string; connections: string },
): string {
  const bytes = formatBytes(tcp.sentBytesPerSecond + tcp.receivedBytesPerSecond, language);
  return `${bytes}${units.perSecond} · ${formatNumber(tcp.connectionsOpenedPerSecond, language, 2)} ${units.connections}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A moment in local time as the talk's 更新时间 shows it: 2019-09-23 17:56:53. */
export function formatDateTime(value: string | number | Date): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return NO_VALUE;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** A time of day for chart axes: 17:56. */
export function formatTime(value: number): string {
  const d = new Date(value);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
