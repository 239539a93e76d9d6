import { RE2JS } from 're2js';
import { contractMessage as msg } from './messages';

/**
 * What Envoy and Istio accept in the values a form or a hand-written object carries: header names
 * and values, regular expressions, paths, methods, Kubernetes label keys and values, DNS names.
 * No zod here: the contracts (browser and BFF) and the hand-written-object validator
 * (`mesh/istio-validation.ts`) share these predicates. Each returns `null` when the value is
 * fine, else a message for the operator.
 *
 * Sources: Istio's webhook (pkg/config/validation: validation.go, virtualservice.go,
 * header_value_validator.go; pkg/config/labels) and Envoy's API (HeaderValue: names and values
 * at most 16 KiB, no NUL, CR or LF; HeaderParser: ":"-prefixed headers and `host` cannot be
 * added; the RE2 program size limit Istio sets in its bootstrap).
 */

export type Problem = string | null;

/** Envoy's HeaderValue key and value limit (max_bytes: 16384). */
const MAX_HEADER_BYTES = 16 * 1024;
/** Istio's limit on a regex's length (Envoy's program size grows with it). */
const MAX_REGEX_LENGTH = 1024;
/** `re2.max_program_size.error_level` as Istio configures Envoy. */
const MAX_REGEX_PROGRAM_SIZE = 32_768;

/** RFC 9110 token characters: header names and methods. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Istio's header value check: no control characters but horizontal tab. */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- as above
const CR_LF_NUL = /[\r\n\u0000]/;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

function describeControl(s: string): string {
  if (s.includes('\r') || s.includes('\n')) return msg('envoy.lineBreak');
  if (s.includes('\u0000')) return msg('envoy.nul');
  return msg('envoy.controlCharacter');
}

/** A header name to match on: an HTTP token, not a pseudo-header, no CR/LF/NUL. */
export function headerNameProblem(name: string): Problem {
  if (name.length === 0) return msg('envoy.headerNameRequired');
  if (CR_LF_NUL.test(name) || CONTROL.test(name))
    return msg('envoy.headerNameControl', { what: describeControl(name) });
  if (name.startsWith(':')) return msg('envoy.pseudoHeaderMatch', { name });
  if (utf8Length(name) > MAX_HEADER_BYTES) return msg('common.atMostBytes', { max: MAX_HEADER_BYTES });
  if (!TOKEN.test(name)) return msg('envoy.headerNameCharacters');
  return null;
}

/** A header value: no control characters (tab aside), within Envoy's size limit. */
export function headerValueProblem(value: string): Problem {
  if (CONTROL.test(value)) return msg('envoy.headerValueControl', { what: describeControl(value) });
  if (utf8Length(value) > MAX_HEADER_BYTES) return msg('common.atMostBytes', { max: MAX_HEADER_BYTES });
  return null;
}

/**
 * A value Envoy formats before adding it (response_headers_to_add and the like): `%` starts a
 * variable (`%HOSTNAME%`, `%REQ(x-id)%`) and a literal one is written `%%`. A port of Envoy's
 * HeaderParser state machine as Istio has it (header_value_validator.go).
 */
export function headerFormatProblem(value: string): Problem {
  const basic = headerValueProblem(value);
  if (basic) return basic;
  type State = 'literal' | 'name' | 'array' | 'string' | 'inString' | 'delimiter' | 'argsEnd' | 'varEnd';
  let state: State = 'literal';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const hasNext = i + 1 < value.length;
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (!hasNext) return msg('envoy.percentAlone');
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string';
        else if (ch !== ' ') state = 'inString';
        break;
      case 'delimiter':
        if (ch === ',') state = 'string';
        else if (ch === ']') state = 'argsEnd';
        else if (ch !== ' ') return msg('envoy.variableArgumentsList');
        break;
      case 'string':
        if (ch === '"') state = 'inString';
        else if (ch !== ' ') return msg('envoy.variableArgumentsQuoted');
        break;
      case 'inString':
        if (ch === '\\') {
          if (!hasNext) return msg('envoy.variableBackslash');
          i++;
        } else if (ch === ')') state = 'varEnd';
        else if (ch === '"') state = 'delimiter';
        break;
      case 'argsEnd':
        if (ch === ')') state = 'varEnd';
        else if (ch !== ' ') return msg('envoy.variableArgumentsEnd');
        break;
      case 'varEnd':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return msg('envoy.variableEnd');
        break;
    }
  }
  if (state !== 'literal') return msg('envoy.variableNotClosed');
  return null;
}

/**
 * Headers a local reply cannot carry: pseudo-headers and `host` (Envoy refuses to add them),
 * the framing and hop-by-hop headers Envoy writes itself (a second `content-length` or a
 * `transfer-encoding` breaks the response; HTTP/2 forbids connection-specific headers), and
 * `set-cookie`: a console rule, not Envoy's (a refused request must not plant a cookie in every
 * client the limit refuses).
 */
const RESPONSE_HEADERS_REFUSED = new Map<string, string>([
  ['host', msg('envoy.hostHeader')],
  ['content-length', msg('envoy.contentLength')],
  ['transfer-encoding', msg('envoy.framing')],
  ['connection', msg('envoy.connectionHeader')],
  ['keep-alive', msg('envoy.connectionHeader')],
  ['proxy-connection', msg('envoy.connectionHeader')],
  ['upgrade', msg('envoy.connectionHeader')],
  ['te', msg('envoy.connectionHeader')],
  ['set-cookie', msg('envoy.setCookie')],
]);

/** A header to add to a response Envoy generates (a rate limit's 429). */
export function responseHeaderNameProblem(name: string): Problem {
  if (name.startsWith(':') && !CR_LF_NUL.test(name)) return msg('envoy.pseudoHeaderAdd', { name });
  const basic = headerNameProblem(name);
  if (basic) return basic;
  const refused = RESPONSE_HEADERS_REFUSED.get(name.toLowerCase());
  return refused ? msg('envoy.headerRefused', { name, reason: refused }) : null;
}

/**
 * A regular expression as Envoy compiles it: RE2 syntax (no lookaround, no backreferences),
 * within Istio's length limit and the program size Envoy allows.
 */
export function regexProblem(re: string): Problem {
  if (re.length === 0) return msg('envoy.regexRequired');
  if (re.length > MAX_REGEX_LENGTH) return msg('envoy.regexTooLong', { max: MAX_REGEX_LENGTH });
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(re);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : 'invalid';
    return msg('envoy.regexInvalid', { reason: why });
  }
  if (compiled.programSize() > MAX_REGEX_PROGRAM_SIZE)
    return msg('envoy.regexTooComplex', { size: compiled.programSize(), max: MAX_REGEX_PROGRAM_SIZE });
  return null;
}

/** A request path to match exactly or by prefix: starts with "/", no whitespace or control characters. */
export function pathProblem(path: string): Problem {
  if (path.length === 0) return msg('envoy.pathRequired');
  if (!path.startsWith('/')) return msg('envoy.pathSlash');
  if (CONTROL.test(path) || /\s/.test(path)) return msg('envoy.pathSpaces');
  if (path.includes('#')) return msg('envoy.pathFragment');
  if (utf8Length(path) > MAX_HEADER_BYTES) return msg('common.atMostBytes', { max: MAX_HEADER_BYTES });
  return null;
}

/** An HTTP method name: a token. */
export function methodProblem(method: string): Problem {
  if (method.length === 0) return msg('envoy.methodRequired');
  if (!TOKEN.test(method)) return msg('envoy.methodCharacters');
  if (method.length > 64) return msg('common.atMostCharacters', { max: 64 });
  return null;
}

/** A string matched exactly or by prefix somewhere in a request: no control characters, bounded. */
export function matchValueProblem(value: string): Problem {
  if (CONTROL.test(value)) return msg('envoy.valueControl', { what: describeControl(value) });
  if (utf8Length(value) > MAX_HEADER_BYTES) return msg('common.atMostBytes', { max: MAX_HEADER_BYTES });
  return null;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes names and labels (apimachinery's validation, as Istio's labels package applies it).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function dns1123LabelProblem(name: string): Problem {
  if (name.length === 0) return msg('common.nameRequired');
  if (name.length > 63) return msg('common.atMostCharacters', { max: 63 });
  if (!DNS1123_LABEL.test(name)) return msg('kubernetes.dns1123Label');
  return null;
}

export function dns1123SubdomainProblem(name: string): Problem {
  if (name.length === 0) return msg('common.nameRequired');
  if (name.length > 253) return msg('common.atMostCharacters', { max: 253 });
  if (!DNS1123_SUBDOMAIN.test(name)) return msg('kubernetes.dns1123Subdomain');
  return null;
}

/** A label or annotation key: an optional DNS subdomain prefix and "/", then a name of at most 63. */
export function labelKeyProblem(key: string): Problem {
  if (key.length === 0) return msg('kubernetes.labelKeyEmpty');
  const parts = key.split('/');
  if (parts.length > 2) return msg('kubernetes.labelKeySlashes', { key });
  const [prefix, name] = parts.length === 2 ? parts : [undefined, key];
  if (prefix !== undefined) {
    if (prefix.length === 0) return msg('kubernetes.labelKeyPrefixEmpty', { key });
    const p = dns1123SubdomainProblem(prefix);
    if (p) return msg('kubernetes.labelKeyPrefix', { key, reason: p });
  }
  if (!name) return msg('kubernetes.labelKeyNameEmpty', { key });
  if (name.length > 63) return msg('kubernetes.labelKeyNameTooLong', { key });
  if (!QUALIFIED_NAME.test(name)) return msg('kubernetes.labelKeyName', { key });
  return null;
}

export function labelValueProblem(value: string): Problem {
  if (value.length > 63) return msg('kubernetes.labelValueTooLong', { value: value.slice(0, 20) });
  if (value !== '' && !QUALIFIED_NAME.test(value)) return msg('kubernetes.labelValue', { value });
  return null;
}

/** A group/version: `v1`, or a DNS subdomain group, "/", and a DNS label version. */
export function apiVersionProblem(apiVersion: string): Problem {
  if (apiVersion.length === 0) return msg('kubernetes.apiVersionRequired');
  const parts = apiVersion.split('/');
  if (parts.length > 2) return msg('kubernetes.apiVersionParts', { apiVersion });
  const [group, version] = parts.length === 2 ? parts : [undefined, apiVersion];
  if (group !== undefined) {
    const g = dns1123SubdomainProblem(group);
    if (g) return msg('kubernetes.apiVersionGroup', { apiVersion, reason: g });
  }
  if (!version || dns1123LabelProblem(version)) return msg('kubernetes.apiVersionVersion', { apiVersion });
  return null;
}

const DNS_LABEL_ANY_CASE = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%[\w.]+)?$/;

/** Istio's host check: a DNS name whose first label may be a wildcard (`*`, `*.example.com`), or an IP. */
export function wildcardHostProblem(host: string): Problem {
  if (host.length === 0) return msg('kubernetes.hostEmpty');
  if (host.length > 255) return msg('kubernetes.hostTooLong');
  if (IPV4.test(host) || (host.includes(':') && IPV6.test(host))) return null;
  const dot = host.indexOf('.');
  const first = dot < 0 ? host : host.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first))
    return msg('kubernetes.hostLabel', { host, label: first });
  if (dot < 0) return null;
  const parts = host.slice(dot + 1).split('.');
  if (/^\d+$/.test(parts[parts.length - 1] ?? '')) return msg('kubernetes.hostTopLevelDigits', { host });
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    // A trailing dot (an absolute name) is allowed.
    if (i === parts.length - 1 && p === '') return null;
    if (p.length > 63 || !DNS_LABEL_ANY_CASE.test(p)) return msg('kubernetes.hostLabel', { host, label: p });
  }
  return null;
}
