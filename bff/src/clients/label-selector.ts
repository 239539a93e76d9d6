/**
 * Kubernetes label selectors, parsed and matched as the API server does
 * (k8s.io/apimachinery/pkg/labels/selector.go), so a list answered from a cache selects exactly
 * what a live list with `labelSelector` would: equality (`a=b`, `a==b`, `a!=b`), sets
 * (`a in (b,c)`, `a notin (b)`), existence (`a`, `!a`) and integer comparison (`a>1`, `a<2`).
 */

type Operator = 'exists' | '!exists' | 'in' | 'notin' | 'gt' | 'lt';

interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

type Labels = Record<string, string> | undefined;

export class LabelSelectorError extends Error {}

const SPECIAL = new Set(['!', '=', '<', '>', '(', ')', ',']);

type Token =
  | { t: 'id'; v: string }
  | { t: 'op'; v: '!' | '=' | '==' | '!=' | '<' | '>' | '(' | ')' | ',' | 'in' | 'notin' }
  | { t: 'end' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ t: 'op', v: two });
        i += 2;
      } else {
        out.push({ t: 'op', v: c as '!' });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < text.length && !SPECIAL.has(text.charAt(j)) && !/\s/.test(text.charAt(j))) j++;
    const word = text.slice(i, j);
    // As in the server's lexer, `in` and `notin` are always keywords, never a key or a value.
    out.push(word === 'in' || word === 'notin' ? { t: 'op', v: word } : { t: 'id', v: word });
    i = j;
  }
  out.push({ t: 'end' });
  return out;
}

const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? null : key.slice(0, slash);
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    throw new LabelSelectorError(`invalid label key "${key}"`);
  if (prefix !== null && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    throw new LabelSelectorError(`invalid label key "${key}"`);
}

function checkValue(value: string): void {
  if (value !== '' && (value.length > 63 || !QUALIFIED_NAME.test(value)))
    throw new LabelSelectorError(`invalid label value "${value}"`);
}

function checkInteger(value: string): void {
  if (!/^-?\d+$/.test(value)) throw new LabelSelectorError(`"${value}" is not an integer`);
}

export interface LabelSelector {
  matches(labels: Labels): boolean;
  /** True for the empty selector, which matches every object. */
  readonly empty: boolean;
  /** Keys every matching object has (`a`, `a=b`, `a in (b)`, `a>1`), in the selector's order. */
  readonly requiredKeys: string[];
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  const requirements: Requirement[] = [];
  if (text !== undefined && text.trim() !== '') {
    const tokens = tokenize(text);
    let p = 0;
    const END: Token = { t: 'end' };
    const peek = () => tokens[p] ?? END;
    const next = () => tokens[p++] ?? END;
    const expectId = (what: string): string => {
      const tok = next();
      if (tok.t !== 'id') throw new LabelSelectorError(`expected ${what} in "${text}"`);
      return tok.v;
    };
    const atBoundary = () => {
      const tok = peek();
      return tok.t === 'end' || (tok.t === 'op' && tok.v === ',');
    };
    for (;;) {
      const first = peek();
      if (first.t === 'op' && first.v === '!') {
        next();
        const key = expectId('a key after "!"');
        checkKey(key);
        requirements.push({ key, op: '!exists', values: [] });
      } else {
        const key = expectId('a key');
        checkKey(key);
        if (atBoundary()) {
          requirements.push({ key, op: 'exists', values: [] });
        } else {
          const op = next();
          if (op.t !== 'op') throw new LabelSelectorError(`expected an operator after "${key}"`);
          if (op.v === '=' || op.v === '==' || op.v === '!=') {
            // `a=` selects the empty value, as on the server.
            const value = atBoundary() ? '' : expectId('a value');
            checkValue(value);
            requirements.push({ key, op: op.v === '!=' ? 'notin' : 'in', values: [value] });
          } else if (op.v === 'in' || op.v === 'notin') {
            const open = next();
            if (open.t !== 'op' || open.v !== '(')
              throw new LabelSelectorError(`expected "(" after "${op.v}"`);
            const values: string[] = [];
            for (;;) {
              const tok = next();
              if (tok.t === 'id') {
                checkValue(tok.v);
                values.push(tok.v);
                const after = next();
                if (after.t === 'op' && after.v === ')') break;
                if (after.t !== 'op' || after.v !== ',')
                  throw new LabelSelectorError(`expected "," or ")" in "${text}"`);
              } else if (tok.t === 'op' && (tok.v === ',' || tok.v === ')')) {
                // An empty element (`in ()`, `in (a,)`) stands for the empty value.
                values.push('');
                if (tok.v === ')') break;
              } else {
                throw new LabelSelectorError(`expected a value in "${text}"`);
              }
            }
            requirements.push({ key, op: op.v, values });
          } else if (op.v === '>' || op.v === '<') {
            const value = expectId('an integer');
            checkInteger(value);
            requirements.push({ key, op: op.v === '>' ? 'gt' : 'lt', values: [value] });
          } else {
            throw new LabelSelectorError(`unexpected "${op.v}" after "${key}"`);
          }
        }
      }
      const sep = next();
      if (sep.t === 'end') break;
      if (sep.t !== 'op' || sep.v !== ',') throw new LabelSelectorError(`expected "," in "${text}"`);
    }
  }
  return {
    empty: requirements.length === 0,
    requiredKeys: requirements
      .filter((r) => r.op === 'exists' || r.op === 'gt' || r.op === 'lt' || r.op === 'in')
      .map((r) => r.key),
    matches: (labels) => requirements.every((r) => matchOne(r, labels)),
  };
}

function matchOne(r: Requirement, labels: Labels): boolean {
  const value = labels !== undefined && Object.hasOwn(labels, r.key) ? labels[r.key] : undefined;
  const has = value !== undefined;
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case 'in':
      return has && r.values.includes(value);
    case 'notin':
      // A label that is absent is not in any set, as on the server.
      return !has || !r.values.includes(value);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.op === 'gt' ? n > bound : n < bound;
    }
  }
}
