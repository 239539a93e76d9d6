import { isRecord } from '../types';
import { GATEWAY_API_RULES } from './gateway-api-rules';

/**
 * There is no CEL interpreter here. The `x-kubernetes-validations` rules of the vendored Istio CRDs
 * are few and fixed, so each is written out in TypeScript, keyed by its exact text (the Gateway API
 * ones are in gateway-api-rules.ts); a rule not in
 * this table (a newer CRD) is skipped, which is what a server without CEL support would do.
 * A rule that would raise a CEL evaluation error (wrong type, substring out of range) fails, as the
 * apiserver reports evaluation errors as invalid values.
 */
type Rule = (self: unknown) => boolean;

const has = (self: unknown, field: string): boolean => isRecord(self) && self[field] !== undefined;
const field = (self: unknown, name: string): unknown => (isRecord(self) ? self[name] : undefined);
const str = (value: unknown): string => {
  if (typeof value !== 'string') throw new TypeError('not a string');
  return value;
};
const keys = (self: unknown): string[] => {
  if (!isRecord(self)) throw new TypeError('not a map');
  return Object.keys(self);
};
const list = (value: unknown): unknown[] => {
  if (!Array.isArray(value)) throw new TypeError('not a list');
  return value;
};
const num = (value: unknown): number => {
  if (typeof value !== 'number') throw new TypeError('not a number');
  return value;
};
/** CEL's substring(start, end) errors when the range is outside the string. */
const substring = (s: string, start: number, end: number): string => {
  if (end > s.length) throw new RangeError('index out of range');
  return s.substring(start, end);
};

/**
 * CEL's `url()` (Kubernetes' URL library, Go's url.ParseRequestURI): an absolute URL, or an
 * absolute path (scheme ""). null where CEL's `isURL` is false and `url()` raises an error.
 */
function celUrlScheme(value: unknown): string | null {
  const s = str(value);
  if (s.startsWith('/')) return /\s/.test(s) ? null : '';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return null;
  try {
    return new URL(s).protocol.replace(/:$/, '').toLowerCase();
  } catch {
    return null;
  }
}

/** Wasm and Lua module URLs: `isURL(self) ? scheme in schemes : (isURL("http://" + self) && ...)`. */
const moduleUrl = (self: unknown): boolean => {
  const schemes = ['', 'http', 'https', 'file', 'oci'];
  const scheme = celUrlScheme(self);
  if (scheme !== null) return schemes.includes(scheme);
  const prefixed = celUrlScheme(`http://${str(self)}`);
  return prefixed !== null && schemes.includes(prefixed);
};

/** How many of the fields are set: CEL's `(has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) + ...`. */
const countSet = (self: unknown, ...fields: string[]): number => fields.filter((f) => has(self, f)).length;

const NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, which CEL's duration() uses, in nanoseconds. */
function parseGoDuration(text: string): number {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) throw new SyntaxError(`invalid duration ${text}`);
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (NANOS[part[2] ?? ''] ?? 0);
  }
  return m[1] === '-' ? -total : total;
}

const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

export const KNOWN_RULES: Record<string, Rule> = {
  "duration(self) >= duration('1ms')": (self) => parseGoDuration(str(self)) >= 1e6,
  'self.all(key, !key.contains("*"))': (self) => keys(self).every((k) => !k.includes('*')),
  'self.all(key, key.size() != 0)': (self) => keys(self).every((k) => k.length !== 0),
  '!self.contains("*")': (self) => !str(self).includes('*'),
  '(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1': (self) =>
    !(has(self, 'workloadSelector') && has(self, 'endpoints')),
  '!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))':
    (self) => {
      const cidr = list(field(self, 'addresses') ?? []).some((a) => str(a).includes('/'));
      const resolution = str(field(self, 'resolution') ?? 'NONE');
      return !(cidr && !['STATIC', 'NONE'].includes(resolution));
    },
  '((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true': (self) =>
    str(field(self, 'resolution') ?? 'NONE') === 'NONE' ? !has(self, 'endpoints') : true,
  '((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true':
    (self) =>
      str(field(self, 'resolution') ?? '') === 'DNS_ROUND_ROBIN'
        ? list(field(self, 'endpoints') ?? []).length <= 1
        : true,
  'has(self.address) || has(self.network)': (self) => has(self, 'address') || has(self, 'network'),
  '(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true': (self) =>
    str(field(self, 'address') ?? '').startsWith('unix://') ? !has(self, 'ports') : true,
  'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true': (
    self,
  ) => {
    const s = str(self);
    return s.startsWith('unix://') ? ['/', '@'].includes(substring(s, 7, 8)) : true;
  },
  'self.startsWith("unix://") ? !self.endsWith("/") : true': (self) => {
    const s = str(self);
    return s.startsWith('unix://') ? !s.endsWith('/') : true;
  },
  'self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))': (self) =>
    keys(self).every((k) => k.length < 63 && PORT_NAME.test(k)),
  '0 < self && self <= 65535': (self) => {
    const n = num(self);
    return n > 0 && n <= 65535;
  },
  'self != "*"': (self) => self !== '*',
  'self.all(l1, self.exists_one(l2, l1.number == l2.number))': (self) => {
    const numbers = list(self).map((p) => field(p, 'number'));
    return numbers.every((n) => numbers.filter((m) => m === n).length === 1);
  },
  '(has(self.workloadSelector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1': (self) =>
    !(has(self, 'workloadSelector') && has(self, 'targetRefs')),
  'has(self.context) ? ((self.context == "WAYPOINT") ? has(self.waypoint) : !has(self.waypoint)) : !has(self.waypoint)':
    (self) =>
      has(self, 'context') && field(self, 'context') === 'WAYPOINT'
        ? has(self, 'waypoint')
        : !has(self, 'waypoint'),
  // Gateway servers' TLS: one way of naming the certificates at most.
  '(has(self.tlsCertificates) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1': (self) =>
    !(has(self, 'tlsCertificates') && has(self, 'credentialNames')),
  '(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1': (self) =>
    !(has(self, 'credentialName') && has(self, 'credentialNames')),
  '(has(self.credentialNames) ? 1 : 0) + (has(self.tlsCertificates) ? 1 : 0) <= 1': (self) =>
    !(has(self, 'credentialNames') && has(self, 'tlsCertificates')),
  // Security, telemetry and extensions kinds (AuthorizationPolicy, PeerAuthentication,
  // RequestAuthentication, Telemetry, WasmPlugin, TrafficExtension, ProxyConfig).
  '(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1': (
    self,
  ) => countSet(self, 'selector', 'targetRef', 'targetRefs') <= 1,
  '(has(self.selector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1': (self) =>
    countSet(self, 'selector', 'targetRefs') <= 1,
  '(has(self.jwksUri) ? 1 : 0) + (has(self.jwks_uri) ? 1 : 0) + (has(self.jwks) ? 1 : 0) <= 1': (self) =>
    countSet(self, 'jwksUri', 'jwks_uri', 'jwks') <= 1,
  '(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? (!has(self.principals) &&\n!has(self.notPrincipals) && !has(self.namespaces) && !has(self.notNamespaces)) : true':
    (self) =>
      countSet(self, 'serviceAccounts', 'notServiceAccounts') === 0 ||
      countSet(self, 'principals', 'notPrincipals', 'namespaces', 'notNamespaces') === 0,
  'has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true':
    (self) => {
      if (!has(self, 'portLevelMtls')) return true;
      const selector = field(self, 'selector');
      return has(selector, 'matchLabels') && keys(field(selector, 'matchLabels')).length > 0;
    },
  'self.all(key, 0 < int(key) && int(key) <= 65535)': (self) =>
    keys(self).every((k) => {
      if (!/^[+-]?\d+$/.test(k)) throw new TypeError('not an int');
      const n = Number(k);
      return n > 0 && n <= 65535;
    }),
  'url(self).getScheme() in ["http", "https"]': (self) => {
    const scheme = celUrlScheme(self);
    if (scheme === null) throw new TypeError('not a URL');
    return scheme === 'http' || scheme === 'https';
  },
  '((has(self.operation) ? self.operation : "") == "UPSERT") ? (self.value != "") : true': (self) => {
    if (field(self, 'operation') !== 'UPSERT') return true;
    if (!has(self, 'value')) throw new TypeError('no such key: value');
    return field(self, 'value') !== '';
  },
  '((has(self.operation) ? self.operation : "") == "REMOVE") ? !has(self.value) : true': (self) =>
    field(self, 'operation') !== 'REMOVE' || !has(self, 'value'),
  '(has(self.valueFrom) ? self.valueFrom : "") != "HOST" || !has(self.value)': (self) =>
    field(self, 'valueFrom') !== 'HOST' || !has(self, 'value'),
  'has(self.wasm) != has(self.lua)': (self) => has(self, 'wasm') !== has(self, 'lua'),
  'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "file", "oci"]) : (isURL("http://" + self) &&\nurl("http://" + self).getScheme() in ["", "http", "https", "file", "oci"])':
    moduleUrl,
  'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) &&\nurl("http://" + self).getScheme() in ["", "http", "https", "oci", "file"])':
    moduleUrl,
  'self in ["", "HTTP", "HTTPS"]': (self) => ['', 'HTTP', 'HTTPS'].includes(str(self)),
  'self.size() == 0': (self) => {
    if (typeof self === 'string') return self.length === 0;
    return list(self).length === 0;
  },
};

/** True when the rule holds, false when it fails, undefined when the rule is not known here. */
export function evaluateRule(rule: string, self: unknown): boolean | undefined {
  const fn = KNOWN_RULES[rule] ?? GATEWAY_API_RULES[rule];
  if (!fn) return undefined;
  try {
    return fn(self);
  } catch {
    return false;
  }
}
