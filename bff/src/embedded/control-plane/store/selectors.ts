import type { ResourceType } from '../registry/resource-type';
import { badRequest } from '../status-error';
import type { KubeObject, ListOptions, WatchEventType } from '../types';
import { isRecord } from '../types';
import { labelValueErrors, qualifiedNameErrors } from '../validation/names';

/** Label selectors (`app=a,tier in (x,y),!legacy`) and field selectors (`metadata.name=x`). */

type LabelOperator = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

type Token = { kind: 'id'; text: string } | { kind: 'op'; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (input.startsWith('==', i) || input.startsWith('!=', i)) {
      tokens.push({ kind: 'op', text: input.slice(i, i + 2) });
      i += 2;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else {
      let j = i;
      while (j < input.length && !/[\s(),=!<>]/.test(input.charAt(j))) j++;
      tokens.push({ kind: 'id', text: input.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

const parseError = (selector: string, why: string) =>
  badRequest(`unable to parse requirement: ${why} (in label selector ${JSON.stringify(selector)})`);

export function parseLabelSelector(selector: string): LabelRequirement[] {
  const tokens = tokenize(selector);
  const out: LabelRequirement[] = [];
  let i = 0;
  const next = () => tokens[i++];
  const peek = () => tokens[i];
  while (i < tokens.length) {
    let t = next();
    let negated = false;
    if (t?.kind === 'op' && t.text === '!') {
      negated = true;
      t = next();
    }
    if (t?.kind !== 'id')
      throw parseError(selector, `found '${t?.text ?? 'end of string'}', expected: identifier`);
    const key = t.text;
    for (const msg of qualifiedNameErrors(key))
      throw parseError(selector, `key: Invalid value: ${JSON.stringify(key)}: ${msg}`);
    const op = peek();
    if (negated || op === undefined || (op.kind === 'op' && op.text === ',')) {
      out.push({ key, operator: negated ? '!exists' : 'exists', values: [] });
    } else if (op.kind === 'op' && ['=', '==', '!='].includes(op.text)) {
      next();
      const v = peek();
      let value = '';
      if (v?.kind === 'id') {
        value = v.text;
        next();
      }
      for (const msg of labelValueErrors(value))
        throw parseError(selector, `values[0][${key}]: Invalid value: ${JSON.stringify(value)}: ${msg}`);
      out.push({ key, operator: op.text === '!=' ? '!=' : '=', values: [value] });
    } else if (op.kind === 'op' && (op.text === '<' || op.text === '>')) {
      next();
      const v = next();
      if (v?.kind !== 'id' || !/^-?\d+$/.test(v.text))
        throw parseError(selector, "for 'gt', 'lt' operators, exactly one integer value is required");
      out.push({ key, operator: op.text === '>' ? 'gt' : 'lt', values: [v.text] });
    } else if (op.kind === 'id' && (op.text === 'in' || op.text === 'notin')) {
      next();
      if (next()?.text !== '(') throw parseError(selector, "found end of string, expected: '('");
      const values: string[] = [];
      for (;;) {
        const v = next();
        if (v === undefined) throw parseError(selector, "found end of string, expected: ')'");
        if (v.kind === 'op' && v.text === ')') break;
        if (v.kind === 'op' && v.text === ',') continue;
        if (v.kind !== 'id') throw parseError(selector, `found '${v.text}', expected: identifier`);
        for (const msg of labelValueErrors(v.text))
          throw parseError(
            selector,
            `values[${values.length}][${key}]: Invalid value: ${JSON.stringify(v.text)}: ${msg}`,
          );
        values.push(v.text);
      }
      if (values.length === 0)
        throw parseError(selector, `for 'in', 'notin' operators, values set can't be empty`);
      out.push({ key, operator: op.text, values });
    } else {
      throw parseError(selector, `found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const sep = next();
    if (sep !== undefined && !(sep.kind === 'op' && sep.text === ','))
      throw parseError(selector, `found '${sep.text}', expected: ',' or 'end of string'`);
  }
  return out;
}

export function labelsMatch(
  requirements: LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every(({ key, operator, values }) => {
    const has = Object.prototype.hasOwnProperty.call(l, key);
    const value = l[key];
    switch (operator) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return has && value === values[0];
      case '!=':
        return !has || value !== values[0];
      case 'in':
        return has && values.includes(value ?? '');
      case 'notin':
        return !has || !values.includes(value ?? '');
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value ?? '')) return false;
        const n = Number(value);
        const bound = Number(values[0]);
        return operator === 'gt' ? n > bound : n < bound;
      }
    }
    return false;
  });
}

export interface FieldRequirement {
  field: string;
  negated: boolean;
  value: string;
}

/** Splits on a separator that is not escaped with a backslash, as fields.ParseSelector does. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      current += c + text.charAt(i + 1);
      i++;
    } else if (c === sep) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

function parseFieldSelector(selector: string, type: ResourceType): FieldRequirement[] {
  const allowed = ['metadata.name', 'metadata.namespace', ...type.extraFieldSelectors];
  const out: FieldRequirement[] = [];
  for (const part of splitUnescaped(selector, ',')) {
    if (part.trim() === '') continue;
    const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = (m[1] ?? '').trim();
    if (!allowed.includes(field)) {
      throw badRequest(
        type.custom
          ? `"${field}" is not a known field selector: only "${allowed.join('", "')}"`
          : `field label not supported: ${field}`,
      );
    }
    out.push({ field, negated: m[2] === '!=', value: unescape(m[3] ?? '') });
  }
  return out;
}

function fieldValue(object: KubeObject, path: string): string {
  let value: unknown = object;
  for (const key of path.split('.')) value = isRecord(value) ? value[key] : undefined;
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

function fieldsMatch(requirements: FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) !== r.negated);
}

/** Both selectors of a list or watch, parsed once. */
export class ObjectFilter {
  private constructor(
    readonly labels: LabelRequirement[],
    readonly fields: FieldRequirement[],
  ) {}

  static from(options: ListOptions, type: ResourceType): ObjectFilter {
    return new ObjectFilter(
      options.labelSelector ? parseLabelSelector(options.labelSelector) : [],
      options.fieldSelector ? parseFieldSelector(options.fieldSelector, type) : [],
    );
  }

  get isEmpty(): boolean {
    return this.labels.length === 0 && this.fields.length === 0;
  }

  matches(object: KubeObject): boolean {
    return labelsMatch(this.labels, object.metadata.labels) && fieldsMatch(this.fields, object);
  }

  /**
   * What a watch with these selectors reports for a change: an object that starts matching is
   * ADDED, one that stops matching is DELETED, as the apiserver's watch cache reports them. The
   * event log keeps only the previous labels, so field selectors are judged on the new object (exact
   * for metadata.name and metadata.namespace, which never change).
   */
  eventType(
    type: WatchEventType,
    object: KubeObject,
    previousLabels: Record<string, string> | undefined,
  ): WatchEventType | undefined {
    if (this.isEmpty) return type;
    const now = this.matches(object);
    if (type !== 'MODIFIED') return now ? type : undefined;
    const before = labelsMatch(this.labels, previousLabels) && fieldsMatch(this.fields, object);
    if (now && before) return 'MODIFIED';
    if (now) return 'ADDED';
    if (before) return 'DELETED';
    return undefined;
  }
}
