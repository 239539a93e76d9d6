import { isIP } from 'node:net';
import { isRecord } from '../types';

/**
 * The `x-kubernetes-validations` (CEL) rules of the vendored Gateway API standard-channel CRDs
 * (../crds/gateway-api.json), each written out in TypeScript and keyed by its exact text, as
 * cel-rules.ts does for Istio's. 77 of the 78 distinct rules are here; the one left is
 * `self == oldSelf` (GatewayClass.spec.controllerName is immutable), a transition rule that needs
 * the stored object, which rule evaluation does not get: store/kind-defaults.ts checks it on update.
 *
 * As in CEL, reading a field that is absent where the rule does not guard with has(), or a value
 * of the wrong type, is an evaluation error, and an evaluation error fails the rule.
 */
type Rule = (self: unknown) => boolean;

const has = (self: unknown, name: string): boolean => isRecord(self) && self[name] !== undefined;
const field = (self: unknown, name: string): unknown => (isRecord(self) ? self[name] : undefined);
/** CEL's `self.name` without has(): an error when the field is absent. */
const get = (self: unknown, name: string): unknown => {
  if (!isRecord(self) || self[name] === undefined) throw new TypeError(`no such key: ${name}`);
  return self[name];
};
const str = (value: unknown): string => {
  if (typeof value !== 'string') throw new TypeError('not a string');
  return value;
};
const num = (value: unknown): number => {
  if (typeof value !== 'number') throw new TypeError('not a number');
  return value;
};
const list = (value: unknown): unknown[] => {
  if (!Array.isArray(value)) throw new TypeError('not a list');
  return value;
};
const keys = (value: unknown): string[] => {
  if (!isRecord(value)) throw new TypeError('not a map');
  return Object.keys(value);
};
const size = (value: unknown): number => {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isRecord(value)) return Object.keys(value).length;
  throw new TypeError('no size');
};
/** CEL's substring(start): an error past the end. */
const substring = (s: string, start: number): string => {
  if (start > s.length) throw new RangeError('index out of range');
  return s.substring(start);
};
/** CEL's `exists_one`. */
const exactlyOne = (items: unknown[], predicate: (item: unknown) => boolean): boolean =>
  items.filter(predicate).length === 1;
/** `!has(o.f) || o.f == ''` */
const emptyOr = (o: unknown, name: string): boolean => !has(o, name) || field(o, name) === '';

const sameTarget = (a: unknown, b: unknown): boolean =>
  field(a, 'group') === field(b, 'group') &&
  field(a, 'kind') === field(b, 'kind') &&
  field(a, 'name') === field(b, 'name');
const sameNamespace = (a: unknown, b: unknown): boolean =>
  (emptyOr(a, 'namespace') && emptyOr(b, 'namespace')) ||
  (has(a, 'namespace') && has(b, 'namespace') && field(a, 'namespace') === field(b, 'namespace'));
const sameSection = (a: unknown, b: unknown): boolean =>
  (emptyOr(a, 'sectionName') && emptyOr(b, 'sectionName')) ||
  (has(a, 'sectionName') && has(b, 'sectionName') && field(a, 'sectionName') === field(b, 'sectionName'));

const countOfType = (self: unknown, type: string): number =>
  list(self).filter((f) => field(f, 'type') === type).length;

/** A Gateway's addresses of one type: each value at most once. */
const uniqueValuesOfType = (self: unknown, type: string): boolean =>
  list(self).every(
    (a1) =>
      !(field(a1, 'type') === type && has(a1, 'value')) ||
      exactlyOne(
        list(self),
        (a2) =>
          field(a2, 'type') === field(a1, 'type') &&
          has(a2, 'value') &&
          field(a2, 'value') === field(a1, 'value'),
      ),
  );

/** The matches of a route's first 16 rules, added up (GRPCRoute guards with has(), HTTPRoute does not). */
function totalMatches(self: unknown, guarded: boolean): number {
  let total = 0;
  for (const rule of list(self).slice(0, 16))
    total += guarded ? (has(rule, 'matches') ? size(field(rule, 'matches')) : 0) : size(get(rule, 'matches'));
  return total;
}

/** A filter whose requestRedirect or urlRewrite replaces the matched prefix. */
function replacesPrefix(filter: unknown, kind: 'requestRedirect' | 'urlRewrite'): boolean {
  if (!has(filter, kind) || !has(field(filter, kind), 'path')) return false;
  const path = field(field(filter, kind), 'path');
  return field(path, 'type') === 'ReplacePrefixMatch' && has(path, 'replacePrefixMatch');
}

/** `size(self.matches) == 1 && has(self.matches[0].path) && self.matches[0].path.type == 'PathPrefix'` */
function singlePrefixMatch(rule: unknown): boolean {
  const matches = list(get(rule, 'matches'));
  return (
    matches.length === 1 && has(matches[0], 'path') && get(get(matches[0], 'path'), 'type') === 'PathPrefix'
  );
}

const backendFilterReplacesPrefix = (rule: unknown, kind: 'requestRedirect' | 'urlRewrite'): boolean =>
  has(rule, 'backendRefs') &&
  exactlyOne(
    list(field(rule, 'backendRefs')),
    (b) => has(b, 'filters') && exactlyOne(list(field(b, 'filters')), (f) => replacesPrefix(f, kind)),
  );

/** A check of an HTTP path match's value that applies to the Exact and PathPrefix types. */
const pathRule =
  (check: (value: string) => boolean): Rule =>
  (self) =>
    !['Exact', 'PathPrefix'].includes(str(get(self, 'type'))) || check(str(get(self, 'value')));

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A Gateway API Duration (`1h`, `10s`, `500ms`, GEP-2257) in milliseconds, as CEL's duration() reads it. */
function gatewayDuration(value: unknown): number {
  const text = str(value);
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(text)) throw new SyntaxError(`invalid duration ${text}`);
  let total = 0;
  for (const part of text.matchAll(/([0-9]+)(ms|h|m|s)/g))
    total += Number(part[1]) * (DURATION_UNITS[part[2] ?? ''] ?? 0);
  return total;
}

const HOSTNAME_WITH_WILDCARD = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RFC1123_HOSTNAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const GRPC_SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
const PATH_CHARACTERS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;

export const GATEWAY_API_RULES: Record<string, Rule> = {
  "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))":
    (self) =>
      list(self).every((p1) =>
        list(self).every(
          (p2) => !sameTarget(p1, p2) || emptyOr(p1, 'sectionName') === emptyOr(p2, 'sectionName'),
        ),
      ),
  "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))":
    (self) =>
      list(self).every((p1) => exactlyOne(list(self), (p2) => sameTarget(p1, p2) && sameSection(p1, p2))),
  '!(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 && has(self.wellKnownCACertificates) && self.wellKnownCACertificates != "")':
    (self) =>
      !(
        size(field(self, 'caCertificateRefs') ?? []) > 0 &&
        has(self, 'wellKnownCACertificates') &&
        field(self, 'wellKnownCACertificates') !== ''
      ),
  '(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 || has(self.wellKnownCACertificates) && self.wellKnownCACertificates != "")':
    (self) =>
      (has(self, 'caCertificateRefs') && size(field(self, 'caCertificateRefs')) > 0) ||
      (has(self, 'wellKnownCACertificates') && field(self, 'wellKnownCACertificates') !== ''),
  '!(self.type == "Hostname" && (!has(self.hostname) || self.hostname == ""))': (self) =>
    !(get(self, 'type') === 'Hostname' && emptyOr(self, 'hostname')),
  '!(self.type != "Hostname" && has(self.hostname) && self.hostname != "")': (self) =>
    !(get(self, 'type') !== 'Hostname' && !emptyOr(self, 'hostname')),
  '!(self.type == "URI" && (!has(self.uri) || self.uri == ""))': (self) =>
    !(get(self, 'type') === 'URI' && emptyOr(self, 'uri')),
  '!(self.type != "URI" && has(self.uri) && self.uri != "")': (self) =>
    !(get(self, 'type') !== 'URI' && !emptyOr(self, 'uri')),
  "self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )":
    (self) => uniqueValuesOfType(self, 'IPAddress'),
  "self.all(a1, a1.type == 'Hostname'  && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )":
    (self) => uniqueValuesOfType(self, 'Hostname'),
  'self.type == \'Hostname\' ? (!has(self.value) || self.value.matches(r"""^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$""")): true':
    (self) =>
      get(self, 'type') !== 'Hostname' ||
      !has(self, 'value') ||
      HOSTNAME_WITH_WILDCARD.test(str(field(self, 'value'))),
  'self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"""))':
    (self) => keys(self).every((k) => LABEL_KEY.test(k)),
  'self.all(key, key.split("/")[0].size() < 253)': (self) =>
    keys(self).every((k) => (k.split('/')[0] ?? '').length < 253),
  "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)": (self) =>
    list(self).every((l) => !['HTTP', 'TCP', 'UDP'].includes(str(get(l, 'protocol'))) || !has(l, 'tls')),
  "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)":
    (self) =>
      list(self).every(
        (l) =>
          !(get(l, 'protocol') === 'HTTPS' && has(l, 'tls')) ||
          ['', 'Terminate'].includes(str(get(get(l, 'tls'), 'mode'))),
      ),
  "self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true))": (self) =>
    list(self).every(
      (l) =>
        get(l, 'protocol') !== 'TLS' ||
        (has(l, 'tls') && has(field(l, 'tls'), 'mode') && field(field(l, 'tls'), 'mode') !== ''),
    ),
  "self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)": (self) =>
    list(self).every((l) => !['TCP', 'UDP'].includes(str(get(l, 'protocol'))) || emptyOr(l, 'hostname')),
  'self.all(l1, self.exists_one(l2, l1.name == l2.name))': (self) =>
    list(self).every((l1) => exactlyOne(list(self), (l2) => get(l1, 'name') === get(l2, 'name'))),
  'self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))':
    (self) =>
      list(self).every((l1) =>
        exactlyOne(
          list(self),
          (l2) =>
            get(l1, 'port') === get(l2, 'port') &&
            get(l1, 'protocol') === get(l2, 'protocol') &&
            (has(l1, 'hostname') && has(l2, 'hostname')
              ? get(l1, 'hostname') === get(l2, 'hostname')
              : !has(l1, 'hostname') && !has(l2, 'hostname')),
        ),
      ),
  "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true": (self) =>
    get(self, 'mode') !== 'Terminate' ||
    size(get(self, 'certificateRefs')) > 0 ||
    size(get(self, 'options')) > 0,
  'self.all(t1, self.exists_one(t2, t1.port == t2.port))': (self) =>
    list(self).every((t1) => exactlyOne(list(self), (t2) => get(t1, 'port') === get(t2, 'port'))),
  'self.type == \'Hostname\' ? self.value.matches(r"""^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"""): true':
    (self) => get(self, 'type') !== 'Hostname' || HOSTNAME_WITH_WILDCARD.test(str(get(self, 'value'))),
  "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))":
    (self) =>
      list(self).every((p1) =>
        list(self).every(
          (p2) =>
            !(sameTarget(p1, p2) && sameNamespace(p1, p2)) ||
            emptyOr(p1, 'sectionName') === emptyOr(p2, 'sectionName'),
        ),
      ),
  "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))":
    (self) =>
      list(self).every((p1) =>
        exactlyOne(list(self), (p2) => sameTarget(p1, p2) && sameNamespace(p1, p2) && sameSection(p1, p2)),
      ),
  '(self.size() > 0 ? (has(self[0].matches) ? self[0].matches.size() : 0) : 0) + (self.size() > 1 ? (has(self[1].matches) ? self[1].matches.size() : 0) : 0) + (self.size() > 2 ? (has(self[2].matches) ? self[2].matches.size() : 0) : 0) + (self.size() > 3 ? (has(self[3].matches) ? self[3].matches.size() : 0) : 0) + (self.size() > 4 ? (has(self[4].matches) ? self[4].matches.size() : 0) : 0) + (self.size() > 5 ? (has(self[5].matches) ? self[5].matches.size() : 0) : 0) + (self.size() > 6 ? (has(self[6].matches) ? self[6].matches.size() : 0) : 0) + (self.size() > 7 ? (has(self[7].matches) ? self[7].matches.size() : 0) : 0) + (self.size() > 8 ? (has(self[8].matches) ? self[8].matches.size() : 0) : 0) + (self.size() > 9 ? (has(self[9].matches) ? self[9].matches.size() : 0) : 0) + (self.size() > 10 ? (has(self[10].matches) ? self[10].matches.size() : 0) : 0) + (self.size() > 11 ? (has(self[11].matches) ? self[11].matches.size() : 0) : 0) + (self.size() > 12 ? (has(self[12].matches) ? self[12].matches.size() : 0) : 0) + (self.size() > 13 ? (has(self[13].matches) ? self[13].matches.size() : 0) : 0) + (self.size() > 14 ? (has(self[14].matches) ? self[14].matches.size() : 0) : 0) + (self.size() > 15 ? (has(self[15].matches) ? self[15].matches.size() : 0) : 0) <= 128':
    (self) => totalMatches(self, true) <= 128,
  "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true": (self) =>
    !(str(get(self, 'group')).length === 0 && get(self, 'kind') === 'Service') || has(self, 'port'),
  "self.filter(f, f.type == 'RequestHeaderModifier').size() <= 1": (self) =>
    countOfType(self, 'RequestHeaderModifier') <= 1,
  "self.filter(f, f.type == 'ResponseHeaderModifier').size() <= 1": (self) =>
    countOfType(self, 'ResponseHeaderModifier') <= 1,
  "!(has(self.requestHeaderModifier) && self.type != 'RequestHeaderModifier')": (self) =>
    !(has(self, 'requestHeaderModifier') && get(self, 'type') !== 'RequestHeaderModifier'),
  "!(!has(self.requestHeaderModifier) && self.type == 'RequestHeaderModifier')": (self) =>
    !(!has(self, 'requestHeaderModifier') && get(self, 'type') === 'RequestHeaderModifier'),
  "!(has(self.responseHeaderModifier) && self.type != 'ResponseHeaderModifier')": (self) =>
    !(has(self, 'responseHeaderModifier') && get(self, 'type') !== 'ResponseHeaderModifier'),
  "!(!has(self.responseHeaderModifier) && self.type == 'ResponseHeaderModifier')": (self) =>
    !(!has(self, 'responseHeaderModifier') && get(self, 'type') === 'ResponseHeaderModifier'),
  "!(has(self.requestMirror) && self.type != 'RequestMirror')": (self) =>
    !(has(self, 'requestMirror') && get(self, 'type') !== 'RequestMirror'),
  "!(!has(self.requestMirror) && self.type == 'RequestMirror')": (self) =>
    !(!has(self, 'requestMirror') && get(self, 'type') === 'RequestMirror'),
  "!(has(self.extensionRef) && self.type != 'ExtensionRef')": (self) =>
    !(has(self, 'extensionRef') && get(self, 'type') !== 'ExtensionRef'),
  "!(!has(self.extensionRef) && self.type == 'ExtensionRef')": (self) =>
    !(!has(self, 'extensionRef') && get(self, 'type') === 'ExtensionRef'),
  '!(has(self.percent) && has(self.fraction))': (self) => !(has(self, 'percent') && has(self, 'fraction')),
  'self.numerator <= self.denominator': (self) =>
    num(get(self, 'numerator')) <= num(get(self, 'denominator')),
  'has(self.type) ? has(self.service) || has(self.method) : true': (self) =>
    !has(self, 'type') || has(self, 'service') || has(self, 'method'),
  '(!has(self.type) || self.type == \'Exact\') && has(self.service) ? self.service.matches(r"""^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$"""): true':
    (self) =>
      !((!has(self, 'type') || get(self, 'type') === 'Exact') && has(self, 'service')) ||
      GRPC_SERVICE.test(str(get(self, 'service'))),
  '(!has(self.type) || self.type == \'Exact\') && has(self.method) ? self.method.matches(r"""^[A-Za-z_][A-Za-z_0-9]*$"""): true':
    (self) =>
      !((!has(self, 'type') || get(self, 'type') === 'Exact') && has(self, 'method')) ||
      GRPC_METHOD.test(str(get(self, 'method'))),
  '(self.size() > 0 ? self[0].matches.size() : 0) + (self.size() > 1 ? self[1].matches.size() : 0) + (self.size() > 2 ? self[2].matches.size() : 0) + (self.size() > 3 ? self[3].matches.size() : 0) + (self.size() > 4 ? self[4].matches.size() : 0) + (self.size() > 5 ? self[5].matches.size() : 0) + (self.size() > 6 ? self[6].matches.size() : 0) + (self.size() > 7 ? self[7].matches.size() : 0) + (self.size() > 8 ? self[8].matches.size() : 0) + (self.size() > 9 ? self[9].matches.size() : 0) + (self.size() > 10 ? self[10].matches.size() : 0) + (self.size() > 11 ? self[11].matches.size() : 0) + (self.size() > 12 ? self[12].matches.size() : 0) + (self.size() > 13 ? self[13].matches.size() : 0) + (self.size() > 14 ? self[14].matches.size() : 0) + (self.size() > 15 ? self[15].matches.size() : 0) <= 128':
    (self) => totalMatches(self, false) <= 128,
  '(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true':
    (self) =>
      !(has(self, 'backendRefs') && size(get(self, 'backendRefs')) > 0) ||
      !has(self, 'filters') ||
      list(get(self, 'filters')).every((f) => !has(f, 'requestRedirect')),
  "(has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    (self) =>
      !(
        has(self, 'filters') &&
        exactlyOne(list(get(self, 'filters')), (f) => replacesPrefix(f, 'requestRedirect'))
      ) || singlePrefixMatch(self),
  "(has(self.filters) && self.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    (self) =>
      !(
        has(self, 'filters') && exactlyOne(list(get(self, 'filters')), (f) => replacesPrefix(f, 'urlRewrite'))
      ) || singlePrefixMatch(self),
  "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    (self) => !backendFilterReplacesPrefix(self, 'requestRedirect') || singlePrefixMatch(self),
  "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    (self) => !backendFilterReplacesPrefix(self, 'urlRewrite') || singlePrefixMatch(self),
  "!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))": (self) =>
    !(
      list(self).some((f) => get(f, 'type') === 'RequestRedirect') &&
      list(self).some((f) => get(f, 'type') === 'URLRewrite')
    ),
  "self.filter(f, f.type == 'CORS').size() <= 1": (self) => countOfType(self, 'CORS') <= 1,
  "self.filter(f, f.type == 'RequestRedirect').size() <= 1": (self) =>
    countOfType(self, 'RequestRedirect') <= 1,
  "self.filter(f, f.type == 'URLRewrite').size() <= 1": (self) => countOfType(self, 'URLRewrite') <= 1,
  "!(has(self.cors) && self.type != 'CORS')": (self) => !(has(self, 'cors') && get(self, 'type') !== 'CORS'),
  "!(!has(self.cors) && self.type == 'CORS')": (self) =>
    !(!has(self, 'cors') && get(self, 'type') === 'CORS'),
  "!(has(self.requestRedirect) && self.type != 'RequestRedirect')": (self) =>
    !(has(self, 'requestRedirect') && get(self, 'type') !== 'RequestRedirect'),
  "!(!has(self.requestRedirect) && self.type == 'RequestRedirect')": (self) =>
    !(!has(self, 'requestRedirect') && get(self, 'type') === 'RequestRedirect'),
  "!(has(self.urlRewrite) && self.type != 'URLRewrite')": (self) =>
    !(has(self, 'urlRewrite') && get(self, 'type') !== 'URLRewrite'),
  "!(!has(self.urlRewrite) && self.type == 'URLRewrite')": (self) =>
    !(!has(self, 'urlRewrite') && get(self, 'type') === 'URLRewrite'),
  "!('*' in self && self.size() > 1)": (self) => !(list(self).includes('*') && list(self).length > 1),
  "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true": (self) =>
    get(self, 'type') !== 'ReplaceFullPath' || has(self, 'replaceFullPath'),
  "has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true": (self) =>
    !has(self, 'replaceFullPath') || get(self, 'type') === 'ReplaceFullPath',
  "self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true": (self) =>
    get(self, 'type') !== 'ReplacePrefixMatch' || has(self, 'replacePrefixMatch'),
  "has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true": (self) =>
    !has(self, 'replacePrefixMatch') || get(self, 'type') === 'ReplacePrefixMatch',
  "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true": pathRule((v) =>
    v.startsWith('/'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('//') : true": pathRule(
    (v) => !v.includes('//'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/./') : true": pathRule(
    (v) => !v.includes('/./'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/../') : true": pathRule(
    (v) => !v.includes('/../'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2f') : true": pathRule(
    (v) => !v.includes('%2f'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2F') : true": pathRule(
    (v) => !v.includes('%2F'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('#') : true": pathRule(
    (v) => !v.includes('#'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/..') : true": pathRule(
    (v) => !v.endsWith('/..'),
  ),
  "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/.') : true": pathRule(
    (v) => !v.endsWith('/.'),
  ),
  "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'": (self) =>
    ['Exact', 'PathPrefix', 'RegularExpression'].includes(str(get(self, 'type'))),
  '(self.type in [\'Exact\',\'PathPrefix\']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&\'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true':
    pathRule((v) => PATH_CHARACTERS.test(v)),
  "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))":
    (self) =>
      !(
        has(self, 'request') &&
        has(self, 'backendRequest') &&
        gatewayDuration(get(self, 'request')) !== 0 &&
        gatewayDuration(get(self, 'backendRequest')) > gatewayDuration(get(self, 'request'))
      ),
  'self.all(h, !isIP(h))': (self) => list(self).every((h) => isIP(str(h)) === 0),
  "self.all(h, !h.contains('*') ? h.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$') : true)":
    (self) => list(self).every((h) => str(h).includes('*') || RFC1123_HOSTNAME.test(str(h))),
  "self.all(h, h.contains('*') ? (h.startsWith('*.') && h.substring(2).matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$')) : true)":
    (self) =>
      list(self).every(
        (h) =>
          !str(h).includes('*') || (str(h).startsWith('*.') && RFC1123_HOSTNAME.test(substring(str(h), 2))),
      ),
};

/** Rules of the vendored Gateway API CRDs that are not evaluated here (see the file comment). */
export const GATEWAY_API_RULES_NOT_ENFORCED: readonly string[] = ['self == oldSelf'];
