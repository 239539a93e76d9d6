import { RE2JS } from 're2js';

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
export const MAX_HEADER_BYTES = 16 * 1024;
/** Istio's limit on a regex's length (Envoy's program size grows with it). */
export const MAX_REGEX_LENGTH = 1024;
/** `re2.max_program_size.error_level` as Istio configures Envoy. */
export const MAX_REGEX_PROGRAM_SIZE = 32_768;

/** RFC 9110 token characters: header names and methods. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Istio's header value check: no control characters but horizontal tab. */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- as above
const CR_LF_NUL = /[\r\n\u0000]/;

export const PSEUDO_HEADERS = [':method', ':scheme', ':authority', ':path', ':status'] as const;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

function describeControl(s: string): string {
  if (s.includes('\r') || s.includes('\n')) return 'a line break (CR or LF)';
  if (s.includes('\u0000')) return 'a NUL character';
  return 'a control character';
}

/** A header name to match on: an HTTP token, not a pseudo-header, no CR/LF/NUL. */
export function headerNameProblem(name: string): Problem {
  if (name.length === 0) return 'Enter a header name';
  if (CR_LF_NUL.test(name) || CONTROL.test(name))
    return `A header name cannot contain ${describeControl(name)}`;
  if (name.startsWith(':'))
    return `${name} is a pseudo-header; match the path, method or host with their own conditions`;
  if (utf8Length(name) > MAX_HEADER_BYTES) return `At most ${MAX_HEADER_BYTES} bytes`;
  if (!TOKEN.test(name))
    return "A header name is letters, digits and !#$%&'*+-.^_`|~ (no spaces, colons or other separators)";
  return null;
}

/** A header value: no control characters (tab aside), within Envoy's size limit. */
export function headerValueProblem(value: string): Problem {
  if (CONTROL.test(value)) return `A header value cannot contain ${describeControl(value)}`;
  if (utf8Length(value) > MAX_HEADER_BYTES) return `At most ${MAX_HEADER_BYTES} bytes`;
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
        if (!hasNext) return 'A single "%" starts a variable; write "%%" for a percent sign';
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
        else if (ch !== ' ') return 'A variable\'s arguments are a list: expected ",", "]" or a space';
        break;
      case 'string':
        if (ch === '"') state = 'inString';
        else if (ch !== ' ') return "A variable's arguments are quoted strings: expected '\"'";
        break;
      case 'inString':
        if (ch === '\\') {
          if (!hasNext) return "A backslash ends the value inside a variable's argument";
          i++;
        } else if (ch === ')') state = 'varEnd';
        else if (ch === '"') state = 'delimiter';
        break;
      case 'argsEnd':
        if (ch === ')') state = 'varEnd';
        else if (ch !== ' ') return 'Expected ")" after a variable\'s arguments';
        break;
      case 'varEnd':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return 'Expected "%" to end the variable';
        break;
    }
  }
  if (state !== 'literal')
    return 'A variable is not closed: end it with "%", or write "%%" for a percent sign';
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
  ['host', 'Envoy does not let a filter add the host header'],
  ['content-length', 'Envoy writes content-length of the reply itself'],
  ['transfer-encoding', 'Envoy writes the framing of the reply itself'],
  ['connection', 'connection-specific headers are not allowed in HTTP/2 and Envoy writes them itself'],
  ['keep-alive', 'connection-specific headers are not allowed in HTTP/2 and Envoy writes them itself'],
  ['proxy-connection', 'connection-specific headers are not allowed in HTTP/2 and Envoy writes them itself'],
  ['upgrade', 'connection-specific headers are not allowed in HTTP/2 and Envoy writes them itself'],
  ['te', 'connection-specific headers are not allowed in HTTP/2 and Envoy writes them itself'],
  ['set-cookie', 'a limited response must not set cookies on the clients it refuses'],
]);

/** A header to add to a response Envoy generates (a rate limit's 429). */
export function responseHeaderNameProblem(name: string): Problem {
  if (name.startsWith(':') && !CR_LF_NUL.test(name)) return `${name} is a pseudo-header; Envoy cannot add it`;
  const basic = headerNameProblem(name);
  if (basic) return basic;
  const refused = RESPONSE_HEADERS_REFUSED.get(name.toLowerCase());
  return refused ? `${name} cannot be added: ${refused}` : null;
}

/**
 * A regular expression as Envoy compiles it: RE2 syntax (no lookaround, no backreferences),
 * within Istio's length limit and the program size Envoy allows.
 */
export function regexProblem(re: string): Problem {
  if (re.length === 0) return 'Enter a regular expression';
  if (re.length > MAX_REGEX_LENGTH) return `A regular expression is at most ${MAX_REGEX_LENGTH} characters`;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(re);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : 'invalid';
    return `Not a valid RE2 regular expression (${why}); Envoy uses RE2 syntax: no lookaround or backreferences`;
  }
  if (compiled.programSize() > MAX_REGEX_PROGRAM_SIZE)
    return `The regular expression is too complex for Envoy (program size ${compiled.programSize()}, at most ${MAX_REGEX_PROGRAM_SIZE})`;
  return null;
}

/** A request path to match exactly or by prefix: starts with "/", no whitespace or control characters. */
export function pathProblem(path: string): Problem {
  if (path.length === 0) return 'Enter a path';
  if (!path.startsWith('/')) return 'A path starts with "/"';
  if (CONTROL.test(path) || /\s/.test(path)) return 'A path cannot contain spaces or control characters';
  if (path.includes('#')) return 'A request path never contains "#"';
  if (utf8Length(path) > MAX_HEADER_BYTES) return `At most ${MAX_HEADER_BYTES} bytes`;
  return null;
}

/** An HTTP method name: a token. */
export function methodProblem(method: string): Problem {
  if (method.length === 0) return 'Enter a method';
  if (!TOKEN.test(method)) return "A method name is letters, digits and !#$%&'*+-.^_`|~, without spaces";
  if (method.length > 64) return 'At most 64 characters';
  return null;
}

/** A string matched exactly or by prefix somewhere in a request: no control characters, bounded. */
export function matchValueProblem(value: string): Problem {
  if (CONTROL.test(value)) return `A value cannot contain ${describeControl(value)}`;
  if (utf8Length(value) > MAX_HEADER_BYTES) return `At most ${MAX_HEADER_BYTES} bytes`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes names and labels (apimachinery's validation, as Istio's labels package applies it).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function dns1123LabelProblem(name: string): Problem {
  if (name.length === 0) return 'Enter a name';
  if (name.length > 63) return 'At most 63 characters';
  if (!DNS1123_LABEL.test(name))
    return 'Lower-case letters, digits and "-", starting and ending with a letter or digit';
  return null;
}

export function dns1123SubdomainProblem(name: string): Problem {
  if (name.length === 0) return 'Enter a name';
  if (name.length > 253) return 'At most 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name))
    return 'Lower-case letters, digits, "-" and ".", each part starting and ending with a letter or digit';
  return null;
}

/** A label or annotation key: an optional DNS subdomain prefix and "/", then a name of at most 63. */
export function labelKeyProblem(key: string): Problem {
  if (key.length === 0) return 'A label key cannot be empty';
  const parts = key.split('/');
  if (parts.length > 2) return `${key}: a label key has at most one "/"`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, key];
  if (prefix !== undefined) {
    if (prefix.length === 0) return `${key}: the prefix before "/" cannot be empty`;
    const p = dns1123SubdomainProblem(prefix);
    if (p) return `${key}: the prefix must be a DNS subdomain (${p})`;
  }
  if (!name) return `${key}: the name after "/" cannot be empty`;
  if (name.length > 63) return `${key}: the name part is at most 63 characters`;
  if (!QUALIFIED_NAME.test(name))
    return `${key}: letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  return null;
}

export function labelValueProblem(value: string): Problem {
  if (value.length > 63) return `${value.slice(0, 20)}…: a label value is at most 63 characters`;
  if (value !== '' && !QUALIFIED_NAME.test(value))
    return `${value}: a label value is empty or letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  return null;
}

/** A group/version: `v1`, or a DNS subdomain group, "/", and a DNS label version. */
export function apiVersionProblem(apiVersion: string): Problem {
  if (apiVersion.length === 0) return 'Enter an apiVersion';
  const parts = apiVersion.split('/');
  if (parts.length > 2) return `${apiVersion}: an apiVersion is group/version`;
  const [group, version] = parts.length === 2 ? parts : [undefined, apiVersion];
  if (group !== undefined) {
    const g = dns1123SubdomainProblem(group);
    if (g) return `${apiVersion}: the group must be a DNS subdomain (${g})`;
  }
  if (!version || dns1123LabelProblem(version)) return `${apiVersion}: the version must be a name such as v1`;
  return null;
}

const DNS_LABEL_ANY_CASE = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%[\w.]+)?$/;

/** Istio's host check: a DNS name whose first label may be a wildcard (`*`, `*.example.com`), or an IP. */
export function wildcardHostProblem(host: string): Problem {
  if (host.length === 0) return 'A host cannot be empty';
  if (host.length > 255) return 'A host is at most 255 characters';
  if (IPV4.test(host) || (host.includes(':') && IPV6.test(host))) return null;
  const dot = host.indexOf('.');
  const first = dot < 0 ? host : host.slice(0, dot);
  if (first.length > 63 || !WILDCARD_LABEL.test(first)) return `${host}: the label "${first}" is not valid`;
  if (dot < 0) return null;
  const parts = host.slice(dot + 1).split('.');
  if (/^\d+$/.test(parts[parts.length - 1] ?? ''))
    return `${host}: the top-level domain cannot be all digits`;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    // A trailing dot (an absolute name) is allowed.
    if (i === parts.length - 1 && p === '') return null;
    if (p.length > 63 || !DNS_LABEL_ANY_CASE.test(p)) return `${host}: the label "${p}" is not valid`;
  }
  return null;
}
