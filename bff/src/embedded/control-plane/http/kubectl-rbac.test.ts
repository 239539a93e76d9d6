import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../index';
import type { ControlPlane } from '../index';
import { removeDir, startTestControlPlane, tempDir } from '../testing/fixtures';
import { kubectlInstalled, kubectlRunner } from '../testing/kubectl';

/**
 * ServiceAccount tokens (`kubectl create token`) and RBAC, driven by a real kubectl: what a console
 * running in a pod with its ServiceAccount's token may and may not do, impersonation of the signed-in
 * user, and the RBAC and PodDisruptionBudget kinds its install manifests use.
 */

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: {name: mesh}
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: console, namespace: mesh}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: console-reader}
rules:
- apiGroups: [""]
  resources: [pods, services, namespaces]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: console-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: console-reader}
subjects:
- {kind: ServiceAccount, name: console, namespace: mesh}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: config-writer, namespace: team}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [create, get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: console-config, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-writer}
subjects:
- {kind: ServiceAccount, name: console, namespace: mesh}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: console, namespace: mesh}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: console}}
`;

const IMPERSONATOR = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: console-impersonator}
rules:
- apiGroups: [""]
  resources: [users]
  verbs: [impersonate]
- apiGroups: [""]
  resources: [groups]
  verbs: [impersonate]
  resourceNames: ["mesh-console:admin"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: console-impersonator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: console-impersonator}
subjects:
- {kind: ServiceAccount, name: console, namespace: mesh}
`;

const ADMIN_GROUP_ROLE = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mesh-admin}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: mesh-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mesh-admin}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "mesh-console:admin"}
`;

const PATCH_ONLY = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: patch-configmaps}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: patch-configmaps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: patch-configmaps}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}
`;

const INVALID = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: no-verbs}
rules:
- apiGroups: [""]
  resources: [pods]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bad-ref, namespace: mesh}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Rol, name: config-writer}
subjects:
- {kind: ServiceAccount, name: console, namespace: mesh}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: paths, namespace: mesh}
rules:
- nonResourceURLs: ["/healthz"]
  verbs: [get]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: both, namespace: mesh}
spec:
  minAvailable: 1
  maxUnavailable: 1
  selector: {matchLabels: {app: x}}
`;

const forbidden = (verb: string, resource: string, where: string) =>
  `User "system:serviceaccount:mesh:console" cannot ${verb} resource "${resource}" in API group "" ${where}`;

describe.skipIf(!kubectlInstalled)(
  kubectlInstalled
    ? 'kubectl: ServiceAccount tokens and RBAC'
    : 'kubectl RBAC (SKIPPED: kubectl is not on PATH)',
  () => {
    let cp: ControlPlane & { dataDir: string };
    let work: string;
    let token: string;

    const kubectl = kubectlRunner(
      () => cp.kubeconfigPath,
      () => work,
    );
    /** kubectl as the console's ServiceAccount: the admin kubeconfig's server and CA, the SA's token. */
    const consoleKubeconfig = () => {
      const file = path.join(work, 'console.kubeconfig');
      const admin = fs.readFileSync(cp.kubeconfigPath, 'utf8');
      fs.writeFileSync(file, admin.replace(/token: .*/, `token: ${token}`), { mode: 0o600 });
      return file;
    };
    const asConsole = kubectlRunner(consoleKubeconfig, () => work);
    /** `auth can-i` answers "no" by exiting 1 with nothing on stderr. */
    const canI = async (...args: string[]) => {
      try {
        return (await asConsole('auth', 'can-i', ...args)).trim();
      } catch (err) {
        if (/failed: $/.test((err as Error).message)) return 'no';
        throw err;
      }
    };
    const failure = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected kubectl to fail');
    };
    const applyFile = async (name: string, content: string, ...args: string[]) => {
      const file = path.join(work, name);
      fs.writeFileSync(file, content);
      return kubectl('apply', '-f', file, ...args);
    };
    const raw = (p: string, bearer: string, init: RequestInit = {}) =>
      fetch(cp.url + p, {
        ...init,
        headers: { Authorization: `Bearer ${bearer}`, ...(init.headers as Record<string, string>) },
      });

    beforeAll(async () => {
      cp = await startTestControlPlane({ controllers: false });
      work = tempDir('cp-kubectl-rbac-');
      await applyFile('console.yaml', MANIFESTS);
      token = (await kubectl('create', 'token', 'console', '-n', 'mesh', '--duration=20m')).trim();
    });
    afterAll(async () => {
      await cp.close();
      removeDir(cp.dataDir);
      removeDir(work);
    });

    it('issues a token with kubectl create token that authenticates as the ServiceAccount', async () => {
      const who = JSON.parse(await asConsole('auth', 'whoami', '-o', 'json')) as {
        status: { userInfo: { username: string; groups: string[] } };
      };
      expect(who.status.userInfo.username).toBe('system:serviceaccount:mesh:console');
      expect(who.status.userInfo.groups).toEqual([
        'system:serviceaccounts',
        'system:serviceaccounts:mesh',
        'system:authenticated',
      ]);
      // The admin token is still cluster admin.
      expect(await kubectl('auth', 'whoami')).toContain('system:masters');

      // --duration is honoured; without it a token lasts an hour; under ten minutes is refused.
      const request = (spec: Record<string, unknown>) =>
        raw('/api/v1/namespaces/mesh/serviceaccounts/console/token', cp.token, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec }),
        });
      const res = await request({});
      expect(res.status).toBe(201);
      const tr = (await res.json()) as { status: { token: string; expirationTimestamp: string } };
      const lifetime = Date.parse(tr.status.expirationTimestamp) - Date.now();
      expect(lifetime).toBeGreaterThan(3590_000);
      expect(lifetime).toBeLessThanOrEqual(3600_000);
      const short = await request({ expirationSeconds: 60 });
      expect(short.status).toBe(422);
      expect(((await short.json()) as { message: string }).message).toContain(
        'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      );
      expect(await failure(kubectl('create', 'token', 'nobody', '-n', 'mesh'))).toContain(
        'serviceaccounts "nobody" not found',
      );
      // A token whose signature is not the server's is nobody's.
      const forged = `${tr.status.token.slice(0, -4)}AAAA`;
      expect((await raw('/api/v1/namespaces', forged)).status).toBe(401);
    });

    it('allows what the bindings grant and refuses the rest with the apiserver message', async () => {
      expect(await canI('list', 'pods', '-A')).toBe('yes');
      expect(await canI('create', 'configmaps', '-n', 'team')).toBe('yes');
      expect(await canI('create', 'configmaps', '-n', 'mesh')).toBe('no');
      expect(await failure(asConsole('get', 'pdb', 'console', '-n', 'mesh'))).toContain(
        'poddisruptionbudgets.policy "console" is forbidden: User "system:serviceaccount:mesh:console" cannot get resource "poddisruptionbudgets" in API group "policy" in the namespace "mesh"',
      );
      expect(await asConsole('get', 'namespaces', '-o', 'name')).toContain('namespace/mesh');

      // The Role is bound in team only: a create there works, the same create in mesh is refused.
      expect(await asConsole('create', 'configmap', 'settings', '-n', 'team')).toContain('created');
      expect(await failure(asConsole('create', 'configmap', 'settings', '-n', 'mesh'))).toContain(
        `configmaps is forbidden: ${forbidden('create', 'configmaps', 'in the namespace "mesh"')}`,
      );
      expect(await failure(asConsole('delete', 'namespace', 'team'))).toContain(
        `namespaces "team" is forbidden: ${forbidden('delete', 'namespaces', 'in the namespace "team"')}`,
      );
      expect(await failure(asConsole('get', 'clusterroles'))).toContain(
        'clusterroles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:mesh:console" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
      );
      const rules = await asConsole('auth', 'can-i', '--list', '-n', 'team');
      expect(rules).toMatch(/configmaps\s+\[\]\s+\[\]\s+\[create get\]/);
      expect(rules).toMatch(/pods\s+\[\]\s+\[\]\s+\[get list watch\]/);
    });

    it('authorizes a watch when it starts', async () => {
      const watch = async (p: string) => {
        const abort = new AbortController();
        const res = await raw(p, token, { signal: abort.signal });
        abort.abort();
        return res.status;
      };
      expect(await watch('/api/v1/namespaces/mesh/pods?watch=1')).toBe(200);
      expect(await watch('/api/v1/pods?watch=1&allowWatchBookmarks=true')).toBe(200);
      expect(await watch('/api/v1/namespaces/mesh/secrets?watch=1')).toBe(403);
      expect(await watch('/api/v1/watch/namespaces/mesh/configmaps')).toBe(403);
      // A chunked list is a list: allowed for pods, every page.
      const page = await raw('/api/v1/pods?limit=1', token);
      expect(page.status).toBe(200);
    });

    it('lets the ServiceAccount impersonate only whom RBAC allows, and authorizes as the impersonated user', async () => {
      expect(await failure(asConsole('get', 'configmaps', '-n', 'team', '--as', 'alice'))).toContain(
        'users "alice" is forbidden: User "system:serviceaccount:mesh:console" cannot impersonate resource "users" in API group "" at the cluster scope',
      );
      await applyFile('impersonator.yaml', IMPERSONATOR);
      const as = ['--as', 'alice', '--as-group', 'mesh-console:admin'];
      const who = await asConsole('auth', 'whoami', ...as);
      expect(who).toMatch(/Username\s+alice/);
      expect(who).toContain('[mesh-console:admin system:authenticated]');
      // alice is authorized for herself: the ServiceAccount's own grants do not carry over.
      expect(await failure(asConsole('get', 'pods', '-n', 'mesh', ...as))).toContain(
        'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "mesh"',
      );
      expect(await failure(asConsole('create', 'configmap', 'by-alice', '-n', 'mesh', ...as))).toContain(
        'User "alice" cannot create resource "configmaps"',
      );
      // A server-side apply that creates needs create besides patch.
      await applyFile('patch-only.yaml', PATCH_ONLY);
      const ssa = path.join(work, 'ssa.yaml');
      fs.writeFileSync(ssa, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: mesh}\n');
      expect(await failure(asConsole('apply', '--server-side', '-f', ssa, ...as))).toContain(
        'configmaps "applied" is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "mesh"',
      );
      await applyFile('admin-group.yaml', ADMIN_GROUP_ROLE);
      expect(await asConsole('apply', '--server-side', '-f', ssa, ...as)).toContain('serverside-applied');
      expect(await asConsole('create', 'configmap', 'by-alice', '-n', 'mesh', ...as)).toContain('created');
      // The groups it may impersonate are named: system:masters is not one of them.
      expect(
        await failure(
          asConsole('get', 'secrets', '-n', 'mesh', '--as', 'alice', '--as-group', 'system:masters'),
        ),
      ).toContain(
        'groups "system:masters" is forbidden: User "system:serviceaccount:mesh:console" cannot impersonate resource "groups"',
      );
      // The admin impersonating a ServiceAccount gets its identity and nothing more.
      expect(
        await failure(kubectl('get', 'secrets', '-n', 'mesh', '--as', 'system:serviceaccount:mesh:console')),
      ).toContain(forbidden('list', 'secrets', 'in the namespace "mesh"'));
    });

    it('serves RBAC and PodDisruptionBudget kinds to apply, dry-run and get, refusing invalid ones by field', async () => {
      const dry = await applyFile(
        'console.yaml',
        MANIFESTS.replace(/console-reader/g, 'other-reader'),
        '--dry-run=server',
      );
      expect(dry).toContain('clusterrole.rbac.authorization.k8s.io/other-reader created (server dry run)');
      // Its selector's patch strategy is "replace", so kubectl always sends it: "configured", as upstream.
      expect(dry).toMatch(/poddisruptionbudget.policy\/console (unchanged|configured) \(server dry run\)/);
      expect(await kubectl('get', 'clusterroles', '-o', 'name')).not.toContain('other-reader');

      const table = await kubectl('get', 'pdb', '-n', 'mesh');
      expect(table).toMatch(/NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE/);
      expect(table).toMatch(/console\s+N\/A\s+1\s+0\s+/);
      expect(await kubectl('get', 'clusterroles')).toMatch(
        /NAME\s+CREATED AT\n(.*\n)*console-reader\s+\d{4}-/,
      );
      expect(await kubectl('get', 'rolebinding', '-n', 'team', '-o', 'wide')).toMatch(
        /console-config\s+Role\/config-writer\s+\S+\s+mesh\/console/,
      );

      // kubectl's imperative generators send these as protobuf.
      await kubectl(
        'create',
        'clusterrole',
        'scaler',
        '--verb=update,patch',
        '--resource=deployments.apps/scale',
      );
      await kubectl(
        'create',
        'rolebinding',
        'scaler',
        '-n',
        'mesh',
        '--clusterrole=scaler',
        '--serviceaccount=mesh:console',
      );
      await kubectl('create', 'pdb', 'web', '-n', 'mesh', '--selector=app=web', '--min-available=50%');
      expect(await canI('patch', 'deployments.apps', '--subresource=scale', '-n', 'mesh')).toBe('yes');
      expect(await canI('patch', 'deployments.apps', '-n', 'mesh')).toBe('no');
      expect(await kubectl('get', 'pdb', 'web', '-n', 'mesh', '-o', 'jsonpath={.spec.minAvailable}')).toBe(
        '50%',
      );

      const file = path.join(work, 'invalid.yaml');
      fs.writeFileSync(file, INVALID);
      const errors = await failure(kubectl('apply', '--dry-run=server', '-f', file));
      expect(errors).toContain('rules[0].verbs: Required value');
      expect(errors).toContain(
        'roleRef.kind: Unsupported value: "Rol": supported values: "Role", "ClusterRole"',
      );
      expect(errors).toContain(
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
      );
      expect(errors).toContain('minAvailable and maxUnavailable cannot be both set');
      const typo = await failure(
        applyFile(
          'typo.yaml',
          INVALID.slice(0, INVALID.indexOf('---')).replace(
            'resources: [pods]',
            'resources: [pods]\n  verb: [get]',
          ),
        ),
      );
      expect(typo).toContain('unknown field "rules[0].verb"');
      expect(
        await failure(
          kubectl(
            'patch',
            'rolebinding',
            'console-config',
            '-n',
            'team',
            '--type=merge',
            '-p',
            '{"roleRef":{"name":"other"}}',
          ),
        ),
      ).toContain('roleRef: Invalid value');
    });

    it('keeps tokens across a restart and refuses them once their ServiceAccount is deleted', async () => {
      const port = Number(new URL(cp.url).port);
      await cp.close();
      cp = Object.assign(await startControlPlane({ dataDir: cp.dataDir, port, controllers: false }), {
        dataDir: cp.dataDir,
      });
      expect(await canI('list', 'pods')).toBe('yes');
      await kubectl('delete', 'serviceaccount', 'console', '-n', 'mesh');
      expect(await failure(asConsole('get', 'pods'))).toContain('Unauthorized');
      // A new ServiceAccount of the same name is another account: the old token stays refused.
      await kubectl('create', 'serviceaccount', 'console', '-n', 'mesh');
      expect(await failure(asConsole('get', 'pods'))).toContain('Unauthorized');
      token = (await kubectl('create', 'token', 'console', '-n', 'mesh')).trim();
      expect(await canI('list', 'pods')).toBe('yes');
    });
  },
);
