import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bff/src/config';
import type { ControlPlane } from '../bff/src/embedded/control-plane/index';
import {
  removeDir,
  startTestControlPlane,
  tempDir,
} from '../bff/src/embedded/control-plane/testing/fixtures';
import { kubectlInstalled, kubectlRunner } from '../bff/src/embedded/control-plane/testing/kubectl';
import { ENTRY_POINTS } from '../scripts/build-bff.mjs';

/**
 * The install: what `kubectl kustomize` renders from each overlay (what a cluster would run), the
 * same manifests applied with `--dry-run=server` to the embedded control plane, and the image
 * definition checked against the build.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KUSTOMIZE = path.join(ROOT, 'deploy', 'kustomize');
const OVERLAYS = ['production', 'demo'] as const;
const run = promisify(execFile);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  topologySpreadConstraints?: unknown[];
  affinity?: { podAntiAffinity?: unknown };
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
}
/** A memory quantity in MiB (the binary suffixes the manifests use). */
function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

interface Deployment extends Obj {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

async function render(dir: string): Promise<Obj[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { env: { ...process.env, KUBECONFIG: '' } });
  return (yaml.loadAll(stdout) as Obj[]).filter(Boolean);
}

const one = <T extends Obj>(objs: Obj[], kind: string, name?: string): T => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0] as T;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const envOf = (o: Obj): Record<string, string> => {
  const data = (o as { data?: Record<string, string> }).data ?? {};
  if (o.kind !== 'Secret') return data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
};

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

describe.skipIf(!kubectlInstalled)(
  kubectlInstalled ? 'the kustomize install' : 'the kustomize install (SKIPPED: kubectl is not on PATH)',
  () => {
    const rendered = new Map<string, Obj[]>();
    beforeAll(async () => {
      for (const overlay of OVERLAYS)
        rendered.set(overlay, await render(path.join(KUSTOMIZE, 'overlays', overlay)));
    });

    it.each(OVERLAYS)('%s: a Deployment that runs the console hardened, probed and spread', (overlay) => {
      const objs = rendered.get(overlay) as Obj[];
      const deployment = one<Deployment>(objs, 'Deployment', 'mesh-console');
      expect(deployment.metadata.namespace).toBe('mesh-console');
      // Production serves from two replicas; the demo keeps its local accounts in one pod.
      expect(deployment.spec.replicas).toBe(overlay === 'production' ? 2 : 1);
      const pod = deployment.spec.template.spec;
      expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(
        true,
      );
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      expect(pod.topologySpreadConstraints ?? pod.affinity?.podAntiAffinity).toBeTruthy();
      expect(pod.containers).toHaveLength(1);
      const c = pod.containers[0] as Container;
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.securityContext?.capabilities?.add).toBeUndefined();
      expect(c.resources?.requests?.cpu).toBeTruthy();
      expect(c.resources?.requests?.memory).toBeTruthy();
      // The probes the console answers, on the port it listens on.
      const http = c.ports?.find((p) => p.name === 'http');
      expect(http?.containerPort).toBe(8080);
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'http' });
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
      expect(env.PORT?.value).toBe('8080');
      expect(env.HOST?.value).toBe('0.0.0.0');
      expect(env.POD_NAME?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      expect(env.POD_NAMESPACE?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
      // V8's heap is bounded well inside the container's memory limit (code and buffers live
      // outside it): its old generation, and with it the young one (V8 reserves three semi-spaces'
      // worth: two semi-spaces and as much for large young objects; 16 MiB each unless set).
      const limitMiB = mebibytes(c.resources?.limits?.memory ?? '0');
      const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS?.value ?? '')?.[1]);
      const semiMiB = Number(/--max-semi-space-size=(\d+)/.exec(env.NODE_OPTIONS?.value ?? '')?.[1] ?? 16);
      expect(heapMiB).toBeGreaterThan(0);
      expect(heapMiB).toBeLessThanOrEqual(0.75 * limitMiB);
      expect(heapMiB + 3 * semiMiB).toBeLessThanOrEqual(0.85 * limitMiB);

      // The settings and credentials it reads exist under the (hashed) names it refers to.
      const configMapName = c.envFrom?.find((e) => e.configMapRef)?.configMapRef?.name;
      const secretName = c.envFrom?.find((e) => e.secretRef)?.secretRef?.name;
      const settings = one(objs, 'ConfigMap', configMapName);
      const secrets = one(objs, 'Secret', secretName);
      const vars = { ...envOf(settings), ...envOf(secrets) };

      // The only writable places: /tmp and the data directory the settings name, both emptyDir.
      const emptyDirs = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
      const writable = (c.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
      expect(writable.sort()).toEqual(['/tmp', vars.MESH_CONSOLE_DATA_DIR].sort());

      // Every setting is one the console reads, and the console accepts them all as in a pod.
      const configSource = fs.readFileSync(path.join(ROOT, 'bff', 'src', 'config.ts'), 'utf8');
      for (const key of Object.keys(vars)) expect(configSource, key).toContain(`${key}:`);
      const saDir = tempDir('sa-');
      try {
        fs.writeFileSync(path.join(saDir, 'namespace'), 'mesh-console');
        const config = loadConfig({
          ...vars,
          PORT: '8080',
          HOST: '0.0.0.0',
          KUBERNETES_SERVICE_HOST: '10.0.0.1',
          MESH_CONSOLE_SERVICE_ACCOUNT_DIR: saDir,
        });
        expect(config.controlPlane).toEqual({ mode: 'kubernetes', serviceAccountDir: saDir });
        expect(config.auth.namespace).toBe('mesh-console');
        expect(config.auth.mode).toBe(overlay === 'production' ? 'oidc' : 'local');
        // The drain ends before the kubelet's SIGKILL.
        const drainMs = (config as unknown as { shutdown?: { delayMs: number; graceMs: number } }).shutdown;
        if (drainMs)
          expect(drainMs.delayMs + drainMs.graceMs).toBeLessThan(
            (pod.terminationGracePeriodSeconds ?? 30) * 1000,
          );
      } finally {
        removeDir(saDir);
      }
      // No credential is committed: every value in the shipped Secret is empty.
      expect(Object.values(envOf(secrets)).every((v) => v === '')).toBe(true);

      // Its service account, Service and disruption budget go with it.
      expect(one(objs, 'ServiceAccount', pod.serviceAccountName).metadata.namespace).toBe('mesh-console');
      const service = one<
        Obj & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }
      >(objs, 'Service', 'mesh-console');
      expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
      expect(service.spec.ports[0]?.targetPort).toBe('http');
      const pdb = one<
        Obj & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }
      >(objs, 'PodDisruptionBudget', 'mesh-console');
      expect(pdb.spec.minAvailable).toBe(1);
      expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    });

    it.each(OVERLAYS)(
      '%s: RBAC names every resource and verb, and the console writes no mesh rule as itself',
      (overlay) => {
        const objs = rendered.get(overlay) as Obj[];
        const roles = objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role') as (Obj & {
          rules: Rule[];
        })[];
        for (const role of roles)
          for (const rule of role.rules)
            for (const value of [
              ...(rule.apiGroups ?? []),
              ...(rule.resources ?? []),
              ...rule.verbs,
              ...(rule.resourceNames ?? []),
              ...(rule.nonResourceURLs ?? []),
            ])
              expect(value, `${role.kind} ${role.metadata.name}`).not.toContain('*');

        const console = one<Obj & { rules: Rule[] }>(objs, 'ClusterRole', 'mesh-console');
        for (const rule of console.rules) {
          const writes = rule.verbs.filter((v) => WRITE_VERBS.includes(v));
          if (writes.length === 0) continue;
          // Its only cluster-wide writes: settling the revision ConfigMaps a stopped replica left,
          // and recording a release's progress in its status (the weights are the user's writes).
          if (rule.resources?.includes('releases/status')) {
            expect(rule).toEqual({
              apiGroups: ['mesh-console.io'],
              resources: ['releases/status'],
              verbs: ['update'],
            });
            continue;
          }
          expect(rule).toEqual({
            apiGroups: [''],
            resources: ['configmaps'],
            verbs: expect.any(Array) as unknown,
          });
          expect(writes.sort()).toEqual(['delete', 'update']);
        }
        expect(console.rules).toContainEqual({
          apiGroups: ['mesh-console.io'],
          resources: ['releases'],
          verbs: ['get', 'list', 'watch'],
        });
        const crd = one<Obj & { spec: unknown }>(
          objs,
          'CustomResourceDefinition',
          'releases.mesh-console.io',
        );
        expect(crd.metadata.namespace).toBeUndefined();
        expect(console.rules).toContainEqual({
          apiGroups: [''],
          resources: ['users', 'groups'],
          verbs: ['impersonate'],
        });
        const own = one<Obj & { rules: Rule[] }>(objs, 'Role', 'mesh-console');
        expect(own.metadata.namespace).toBe('mesh-console');
        expect(own.rules).toContainEqual({
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'create', 'update'],
        });

        // Each binding grants a role that is there to its subjects, the service account by its namespace.
        const sa = one(objs, 'ServiceAccount', 'mesh-console');
        for (const binding of objs.filter(
          (o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding',
        ) as (Obj & {
          roleRef: { kind: string; name: string };
          subjects: { kind: string; name: string; namespace?: string }[];
        })[]) {
          one(objs, binding.roleRef.kind, binding.roleRef.name);
          for (const s of binding.subjects.filter((x) => x.kind === 'ServiceAccount'))
            expect(s).toEqual({
              kind: 'ServiceAccount',
              name: sa.metadata.name,
              namespace: sa.metadata.namespace,
            });
        }
        // The users' side of impersonation: the groups the console impersonates may write rules.
        const editors = one<Obj & { subjects: { kind: string; name: string }[] }>(
          objs,
          'ClusterRoleBinding',
          'mesh-console-rule-editors',
        );
        expect(editors.subjects.map((s) => s.name).sort()).toEqual([
          'mesh-console:admin',
          'mesh-console:operator',
        ]);
      },
    );

    it('production: OpenID Connect and a versioned image, not the local tag', () => {
      const objs = rendered.get('production') as Obj[];
      const c = one<Deployment>(objs, 'Deployment').spec.template.spec.containers[0] as Container;
      expect(c.image).toMatch(/^[^:]+\/mesh-console:\d+\.\d+\.\d+$/);
      const settings = envOf(one(objs, 'ConfigMap'));
      expect(settings.MESH_CONSOLE_AUTH).toBe('oidc');
      expect(Object.keys(envOf(one(objs, 'Secret')))).toEqual(
        expect.arrayContaining(['OIDC_CLIENT_SECRET', 'MESH_CONSOLE_METRICS_TOKEN']),
      );
    });

    it('the image runs what the build produces, as a non-root user, with a health check', async () => {
      const dockerfile = fs.readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
      const stages = dockerfile.split(/^FROM /m).slice(1);
      const runtime = stages.at(-1) as string;
      expect(runtime).toMatch(/^node:20-bookworm-slim AS runtime/);
      // The entry point is the build's start bundle.
      expect(runtime).toContain(`CMD ["node", "dist/bff/start.js"]`);
      expect(path.basename(ENTRY_POINTS.start, '.ts')).toBe('start');
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      expect(pkg.scripts.build).toContain('node scripts/build-bff.mjs');
      expect(pkg.scripts.start).toContain('node dist/bff/start.js');
      // Production dependencies only, from their own stage.
      expect(dockerfile).toMatch(/AS prod-deps\nRUN npm ci --omit=dev/);
      expect(runtime).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
      expect(runtime).toContain('COPY --from=build /app/dist ./dist');
      // The same numeric user the Deployment runs as.
      const user = /^USER (\d+)(?::\d+)?$/m.exec(runtime)?.[1];
      expect(Number(user)).toBeGreaterThan(0);
      const pod = one<Deployment>(rendered.get('production') as Obj[], 'Deployment').spec.template.spec;
      expect(pod.securityContext?.runAsUser).toBe(Number(user));
      expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/livez/m);
      expect(runtime).toMatch(/^EXPOSE 8080$/m);
      expect(runtime).toMatch(/NODE_ENV=production/);
    });
  },
);

describe.skipIf(!kubectlInstalled)(
  'kubectl apply --dry-run=server -k against the embedded control plane',
  () => {
    let cp: ControlPlane & { dataDir: string };
    let work: string;
    const kubectl = kubectlRunner(
      () => cp.kubeconfigPath,
      () => work,
    );

    beforeAll(async () => {
      cp = await startTestControlPlane({ controllers: false });
      work = tempDir('deploy-dry-run-');
      // A server-side dry run of namespaced objects needs their namespace to exist.
      await kubectl('create', 'namespace', 'mesh-console');
    });
    afterAll(async () => {
      await cp?.close();
      if (cp) removeDir(cp.dataDir);
      if (work) removeDir(work);
    });

    it.each(OVERLAYS)('%s: every object is accepted, and nothing is stored', async (overlay) => {
      const dir = path.join(KUSTOMIZE, 'overlays', overlay);
      const out = await kubectl('apply', '--dry-run=server', '-k', dir);
      const objs = await render(dir);
      const lines = out.trim().split('\n');
      expect(lines).toHaveLength(objs.length);
      for (const o of objs) {
        const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
        const line = lines.find((l) => l.startsWith(`${o.kind.toLowerCase()}${group}/${o.metadata.name} `));
        expect(line, `${o.kind} ${o.metadata.name}`).toMatch(/\(server dry run\)$/);
      }
      await expect(kubectl('get', 'clusterrole', 'mesh-console')).rejects.toThrow(/NotFound|not found/);
    });
  },
);
