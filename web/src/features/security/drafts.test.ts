import { describe, expect, it } from 'vitest';
import { accessDraftFromForm, accessInput, checkAccessDraft, newAccessDraft } from './accessDraft';
import type { AccessPolicyFormValue } from './contract';
import { checkMtlsDraft, mtlsDraftFromForm, newMtlsDraft, newPortDraft } from './mtlsDraft';

describe('the access-policy draft', () => {
  it('gives back what it was made from, the fields the form does not show included', () => {
    const form: AccessPolicyFormValue = {
      name: 'gate',
      action: 'DENY',
      rules: [
        {
          from: [
            { namespaces: ['shop'], notPrincipals: ['cluster.local/ns/shop/sa/admin'] },
            { principals: ['a'] },
          ],
          to: [{ methods: ['POST'], notPaths: ['/health'] }],
          when: [{ key: 'request.headers[x-user]', values: ['bob'], notValues: ['eve'] }],
        },
        {},
      ],
      dryRun: true,
    };
    expect(accessInput(accessDraftFromForm(form), '9')).toEqual({ ...form, resourceVersion: '9' });
  });

  it('leaves out what the operator did not give, and edits the first source', () => {
    const draft = newAccessDraft();
    expect(accessInput(draft).rules).toEqual([{}]);
    const [rule] = draft.rules;
    if (!rule) throw new Error('a new draft has a rule');
    const edited = { ...draft, name: 'x', rules: [{ ...rule, namespaces: ['x'], ports: ['8080'] }] };
    expect(accessInput(edited).rules).toEqual([{ from: [{ namespaces: ['x'] }], to: [{ ports: ['8080'] }] }]);
  });

  it('reports problems by the contract’s paths', () => {
    const draft = newAccessDraft();
    const rule = draft.rules[0];
    if (!rule) throw new Error('a new draft has a rule');
    const check = checkAccessDraft({ ...draft, name: 'ok', rules: [{ ...rule, ports: ['http'] }] });
    expect(check.ready).toBe(false);
    expect([...check.problems.keys()]).toEqual(['rules.0.to.0.ports.0']);
    expect(checkAccessDraft({ ...draft, name: 'ok' }).ready).toBe(true);
  });
});

describe('the mTLS draft', () => {
  it('round-trips a form and refuses port-level modes on the namespace scope or without a port', () => {
    const form = {
      name: 'echo',
      scope: 'workload' as const,
      mode: 'STRICT' as const,
      portLevel: [{ port: 8080, mode: 'DISABLE' as const }],
    };
    expect(checkMtlsDraft(mtlsDraftFromForm(form)).body).toEqual(form);
    const namespaceWide = { ...mtlsDraftFromForm(form), scope: 'namespace' as const };
    expect([...checkMtlsDraft(namespaceWide).problems.keys()]).toEqual(['portLevel']);
    const noPort = { ...newMtlsDraft('echo'), portLevel: [newPortDraft(null)] };
    expect([...checkMtlsDraft(noPort).problems.keys()]).toContain('portLevel.0.port');
  });
});
