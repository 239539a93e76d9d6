import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { CONTRACT_MESSAGES } from '../../../../bff/src/contract/messages';
import type { ContractMessageKey, ContractText } from '../../../../bff/src/contract/messages';
import { errorsEnUS } from './locales';

/**
 * Turning what the BFF and the shared contract say (in English) into the operator's language.
 *
 * A contract message is recognised by its English template (`bff/src/contract/messages.ts`, the
 * one place both sides take it from): its key and values are read back out of the text, values
 * that are contract messages themselves are translated too, and the key's text in the `contract`
 * namespace is filled in. Other API errors are told by their code (the `errors` namespace); the
 * server's message is shown as it is only for a code the console does not know.
 */

interface Template {
  key: ContractMessageKey;
  pattern: RegExp;
  names: string[];
  /** Characters of fixed text: the more, the more specific (tried first). */
  fixed: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(key: ContractMessageKey, template: string): Template {
  const names: string[] = [];
  const parts = template.split(/{{(\w+)}}/);
  let source = '';
  let fixed = 0;
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      names.push(part);
      source += '([\\s\\S]+?)';
    } else {
      source += escape(part);
      fixed += part.length;
    }
  });
  return { key, pattern: new RegExp(`^${source}$`), names, fixed };
}

const TEMPLATES: Template[] = Object.entries(CONTRACT_MESSAGES)
  .flatMap(([group, messages]) =>
    Object.entries(messages).map(([name, template]) =>
      compile(`${group}.${name}` as ContractMessageKey, template as string),
    ),
  )
  .sort((a, b) => b.fixed - a.fixed);

export interface ContractMessageMatch {
  key: ContractMessageKey;
  values: Record<string, string>;
}

/** The key and values of a contract message, or undefined when the text is not one. */
export function matchContractMessage(message: string): ContractMessageMatch | undefined {
  for (const template of TEMPLATES) {
    const m = template.pattern.exec(message);
    if (!m) continue;
    const values: Record<string, string> = {};
    template.names.forEach((name, i) => (values[name] = m[i + 1] ?? ''));
    return { key: template.key, values };
  }
  return undefined;
}

type MessagesT = TFunction<['errors', 'contract']>;

/** A contract message in the language of `t`, or undefined when the text is not one. */
export function translateContractMessage(t: MessagesT, message: string): string | undefined {
  const match = matchContractMessage(message);
  if (!match) return undefined;
  const values = Object.fromEntries(
    Object.entries(match.values).map(([name, value]) => [name, translateContractMessage(t, value) ?? value]),
  );
  return t(`contract:${match.key}` as const, { replace: values });
}

const isContractKey = (key: string): key is ContractMessageKey => {
  const [group = '', name = ''] = key.split('.');
  const messages: Record<string, object> = CONTRACT_MESSAGES;
  return Object.hasOwn(messages, group) && Object.hasOwn(messages[group] as object, name);
};

/**
 * A text sent as contract messages (keys and values, `ContractText`) in the language of `t`: the
 * values that are messages too are translated, lists joined as the language joins them, and a value
 * that is an English contract message is translated as any other. Undefined when a key is not one
 * the console knows (a newer BFF): the caller shows the English text instead.
 */
function translateContractText(t: MessagesT, parts: readonly ContractText[]): string | undefined {
  const said: string[] = [];
  for (const { key, values = {} } of parts) {
    if (!isContractKey(key)) return undefined;
    const replace: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === 'object') {
        const inner = translateContractText(t, value);
        if (inner === undefined) return undefined;
        replace[name] = inner;
      } else {
        replace[name] = typeof value === 'string' ? (translateContractMessage(t, value) ?? value) : value;
      }
    }
    said.push(t(`contract:${key}` as const, { replace }));
  }
  return said.join(t('contract:common.listSeparator'));
}

/** What the console knows of a failed request: its code (API answers) or only its status (audit). */
export interface ServerProblem {
  code?: string;
  status?: number;
  message: string;
  field?: string;
}

/** `limit.requests: …`, `matches.0.destinations: …`: a dotted field path before the message. */
const FIELD_PREFIX = /^([A-Za-z][\w]*(?:\.[\w]+)*): /;

const isKnownCode = (code: string): code is keyof typeof errorsEnUS.codes =>
  Object.hasOwn(errorsEnUS.codes, code);
const isKnownStatus = (status: string): status is keyof typeof errorsEnUS.statuses =>
  Object.hasOwn(errorsEnUS.statuses, status);

/** A failed request, said in the language of `t`. */
export function translateServerProblem(t: MessagesT, problem: ServerProblem): string {
  const { code, status, message } = problem;
  const contract = translateContractMessage(t, message);
  if (contract !== undefined) return contract;
  // The BFF words a field's problem "field: message" (api/validate.ts); the audit log keeps only
  // the text, so the field is read from it.
  const field = problem.field ?? FIELD_PREFIX.exec(message)?.[1];
  if (field !== undefined && message.startsWith(`${field}: `)) {
    const inner = translateContractMessage(t, message.slice(field.length + 2));
    if (inner !== undefined) return t('errors:fieldProblem', { field, problem: inner });
  }
  if (code !== undefined && isKnownCode(code)) {
    return t(`errors:codes.${code}`, { serverMessage: message, status });
  }
  if (code === undefined && status !== undefined && isKnownStatus(String(status))) {
    return t(`errors:statuses.${String(status) as keyof typeof errorsEnUS.statuses}`, {
      serverMessage: message,
    });
  }
  return message;
}

/** `translate(problem)` in the current language, re-rendering when it changes. */
export function useServerProblemText(): (problem: ServerProblem) => string {
  const { t } = useTranslation(['errors', 'contract']);
  return useCallback((problem: ServerProblem) => translateServerProblem(t, problem), [t]);
}

/**
 * A contract message (a zod issue's or a check's, as the form validates while the operator types)
 * in the current language; a text that is not one is returned as it is.
 */
export function useContractMessage(): (message: string) => string {
  const { t } = useTranslation(['errors', 'contract']);
  return useCallback((message: string) => translateContractMessage(t, message) ?? message, [t]);
}

/**
 * A text of the BFF in the current language: its contract messages (`text`) when it was sent with
 * them, else its English `message`, itself translated when it is a contract message.
 */
export function useContractText(): (message: string, text?: readonly ContractText[]) => string {
  const { t } = useTranslation(['errors', 'contract']);
  return useCallback(
    (message: string, text?: readonly ContractText[]) =>
      (text ? translateContractText(t, text) : undefined) ?? translateContractMessage(t, message) ?? message,
    [t],
  );
}

/** A refusal shown under the field it names: without the field's name, in the language of `t`. */
export function translateFieldProblem(t: MessagesT, problem: ServerProblem): string {
  const { field, message } = problem;
  const bare = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return translateServerProblem(t, { code: problem.code, status: problem.status, message: bare });
}

/** `translateFieldProblem` in the current language. */
export function useFieldProblemText(): (problem: ServerProblem) => string {
  const { t } = useTranslation(['errors', 'contract']);
  return useCallback((problem: ServerProblem) => translateFieldProblem(t, problem), [t]);
}
