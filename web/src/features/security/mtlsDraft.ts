import { contractMessage } from '../../../../bff/src/contract/messages';
import { addProblem } from '../rules/feedback';
import type { RuleCheck } from '../rules/useRuleEditor';
import type { PeerAuthenticationFormInput, PeerAuthenticationFormValue } from './contract';
import { PeerAuthenticationForm } from './contract';
import type { MtlsMode } from './contract';

export interface PortDraft {
  id: number;
  port: number | null;
  mode: MtlsMode;
}

/** The mTLS form as the operator types it. */
export interface MtlsDraft {
  name: string;
  scope: 'workload' | 'namespace';
  mode: MtlsMode;
  portLevel: PortDraft[];
  comment: string;
}

let nextPortId = 1;

export function newPortDraft(port: number | null): PortDraft {
  return { id: nextPortId++, port, mode: 'PERMISSIVE' };
}

export function newMtlsDraft(name: string): MtlsDraft {
  return { name, scope: 'workload', mode: 'STRICT', portLevel: [], comment: '' };
}

export function mtlsDraftFromForm(form: PeerAuthenticationFormValue): MtlsDraft {
  return {
    name: form.name,
    scope: form.scope,
    mode: form.mode,
    portLevel: form.portLevel.map((p) => ({ ...newPortDraft(p.port), mode: p.mode })),
    comment: '',
  };
}

function mtlsInput(d: MtlsDraft, resourceVersion?: string): PeerAuthenticationFormInput {
  const comment = d.comment.trim();
  return {
    name: d.name,
    scope: d.scope,
    mode: d.mode,
    portLevel: d.portLevel.map((p) => ({ port: p.port as number, mode: p.mode })),
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    ...(comment ? { comment } : {}),
  };
}

export interface MtlsCheck extends RuleCheck<PeerAuthenticationFormInput> {
  form: PeerAuthenticationFormValue | undefined;
}

export function checkMtlsDraft(d: MtlsDraft, resourceVersion?: string): MtlsCheck {
  const input = mtlsInput(d, resourceVersion);
  const problems = new Map<string, string[]>();
  d.portLevel.forEach((p, i) => {
    if (p.port === null) addProblem(problems, `portLevel.${i}.port`, contractMessage('security.portNumber'));
  });
  const parsed = PeerAuthenticationForm.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      if (!problems.has(path)) addProblem(problems, path, issue.message);
    }
    return { body: input, problems, ready: false, form: undefined };
  }
  return problems.size === 0
    ? { body: parsed.data, problems, ready: true, form: parsed.data }
    : { body: input, problems, ready: false, form: undefined };
}

const RENDERED = /^(name|scope|mode|portLevel|comment)(\.|$)/;

export const isMtlsRenderedPath = (path: string) => RENDERED.test(path);
