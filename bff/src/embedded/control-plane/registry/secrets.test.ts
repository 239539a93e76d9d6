import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../index';
import type { StatusError } from '../status-error';
import { openStore, removeDir, startTestControlPlane, tempDir } from '../testing/fixtures';
import type { TestStore } from '../testing/fixtures';
import type { KubeResource } from '../types';

const SECRETS: KubeResource = { group: '', version: 'v1', plural: 'secrets' };
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('core v1 Secrets', () => {
  let t: TestStore;
  beforeAll(() => {
    t = openStore();
  });
  afterAll(() => t.close());

  it('merges stringData into data as base64, defaults the type and never stores stringData', () => {
    const created = t.store.create(SECRETS, 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'one' },
      data: { kept: b64('old'), both: b64('from data') },
      stringData: { plain: 'hello', both: 'from stringData' },
    });
    expect(created.type).toBe('Opaque');
    expect(created.stringData).toBeUndefined();
    expect(created.data).toEqual({ kept: b64('old'), both: b64('from stringData'), plain: b64('hello') });
    const listed = t.store.list(SECRETS, 'default', {}).items.find((s) => s.metadata.name === 'one');
    expect(listed?.data).toEqual(created.data);
    expect(JSON.stringify(listed)).not.toContain('stringData');
  });

  it('refuses data that is not base64, bad keys, and a change of type', () => {
    const attempt = (body: Record<string, unknown>) => {
      try {
        t.store.create(SECRETS, 'default', { apiVersion: 'v1', kind: 'Secret', ...body });
      } catch (err) {
        return err as StatusError;
      }
      throw new Error('accepted');
    };
    const notBase64 = attempt({ metadata: { name: 'bad1' }, data: { k: 'not base64!' } });
    expect(notBase64.code).toBe(422);
    expect(notBase64.message).toContain('data[k]');
    const badKey = attempt({ metadata: { name: 'bad2' }, stringData: { 'a/b': 'x' } });
    expect(badKey.code).toBe(422);

    const typed = t.store.create(SECRETS, 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'typed' },
      type: 'mesh-console.io/api-token',
      stringData: { a: 'b' },
    });
    expect(typed.type).toBe('mesh-console.io/api-token');
    // An update that leaves the type out keeps it; one that changes it is refused.
    const kept = t.store.update(SECRETS, 'default', 'typed', {
      ...typed,
      type: undefined,
      stringData: { c: 'd' },
    });
    expect(kept.type).toBe('mesh-console.io/api-token');
    expect(kept.data).toEqual({ a: b64('b'), c: b64('d') });
    expect(() => t.store.update(SECRETS, 'default', 'typed', { ...kept, type: 'Opaque' })).toThrow(
      /type: Invalid value: "Opaque": field is immutable/,
    );
  });
});

const kubectlInstalled = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!kubectlInstalled)('Secrets through a real kubectl', () => {
  const run = promisify(execFile);
  let cp: ControlPlane & { dataDir: string };
  let work: string;
  const kubectl = async (...args: string[]) =>
    (
      await run(
        'kubectl',
        ['--kubeconfig', cp.kubeconfigPath, '--cache-dir', path.join(work, 'cache'), ...args],
        {
          env: { ...process.env, KUBECONFIG: '', HOME: work },
        },
      )
    ).stdout;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    work = tempDir('cp-kubectl-secrets-');
  });
  afterAll(async () => {
    await cp.close();
    removeDir(cp.dataDir);
    removeDir(work);
  });

  it('applies, gets and lists Secrets', async () => {
    const file = path.join(work, 'secret.yaml');
    fs.writeFileSync(
      file,
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: s3cret\n',
    );
    expect(await kubectl('apply', '-f', file)).toContain('secret/db created');
    const [header, row] = (await kubectl('get', 'secrets')).trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(row).toMatch(/^db\s+Opaque\s+1\s+\d+s$/);
    expect(await kubectl('get', 'secret', 'db', '-o', 'jsonpath={.data.password}')).toBe(b64('s3cret'));
    expect(await kubectl('delete', 'secret', 'db')).toContain('secret "db" deleted');
  });
});
