import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiResourceList } from '../http/discovery';
import { OpenApiV3 } from '../http/openapi';
import { VS, openStore, virtualService } from '../testing/fixtures';
import type { TestStore } from '../testing/fixtures';
import type { KubeResource } from '../types';
import { GVR } from './context';
import { startControllers } from './index';
import type { Controllers } from './index';

const silent = pino({ level: 'silent' });
const GADGETS: KubeResource = { group: 'example.com', version: 'v1', plural: 'gadgets' };

function gadgetCrd(sizeMaximum: number) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Cluster',
      names: { plural: 'gadgets', kind: 'Gadget', shortNames: ['gdg'], categories: ['toys'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
          },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: { type: 'integer', maximum: sizeMaximum },
                    replicas: { type: 'integer' },
                  },
                  'x-kubernetes-validations': [
                    { rule: 'frobnicate(self)', message: 'not a rule this server knows' },
                  ],
                },
              },
            },
          },
        },
      ],
    },
  };
}

describe('CustomResourceDefinitions', () => {
  let t: TestStore;
  let controllers: Controllers;

  beforeEach(() => {
    t = openStore();
    controllers = startControllers(t.store, t.store.registry, silent);
  });
  afterEach(() => {
    controllers.stop();
    t.close();
  });

  it('serve their kind at once, with status, discovery and OpenAPI that follow every change, across a restart', () => {
    const openapi = new OpenApiV3(t.store.registry);
    expect(openapi.index().paths['apis/example.com/v1']).toBeUndefined();
    t.store.create(GVR.crds, undefined, gadgetCrd(10));

    const crd = t.store.get(GVR.crds, undefined, 'gadgets.example.com');
    expect(crd.status).toMatchObject({
      conditions: [
        expect.objectContaining({ type: 'NamesAccepted', status: 'True' }),
        expect.objectContaining({ type: 'Established', status: 'True' }),
      ],
      acceptedNames: {
        plural: 'gadgets',
        singular: 'gadget',
        kind: 'Gadget',
        listKind: 'GadgetList',
        shortNames: ['gdg'],
      },
      storedVersions: ['v1'],
    });
    const served = apiResourceList(t.store.registry, 'example.com', 'v1').resources;
    expect(served.map((r) => r.name)).toEqual(['gadgets', 'gadgets/status', 'gadgets/scale']);
    expect(t.store.registry.typeOf('gadgets.example.com')?.scale).toEqual({
      specReplicasPath: 'spec.replicas',
      statusReplicasPath: 'status.replicas',
    });
    const firstHash = openapi.index().paths['apis/example.com/v1']?.serverRelativeURL;
    expect(firstHash).toMatch(/hash=[0-9A-F]+/);

    // Objects are pruned and validated by the CRD's schema; a rule this server cannot evaluate is skipped.
    const made = t.store.create(GADGETS, undefined, {
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g1' },
      spec: { size: 5, unknown: true },
    });
    expect(made.spec).toEqual({ size: 5 });
    expect(() =>
      t.store.create(GADGETS, undefined, {
        apiVersion: 'example.com/v1',
        kind: 'Gadget',
        metadata: { name: 'g2' },
        spec: { size: 50 },
      }),
    ).toThrow(/spec\.size: Invalid value: 50: spec\.size in body should be less than or equal to 10/);

    // An update changes the schema served, and the OpenAPI document's hash with it.
    const stored = t.store.get(GVR.crds, undefined, 'gadgets.example.com');
    t.store.update(GVR.crds, undefined, 'gadgets.example.com', { ...stored, spec: gadgetCrd(100).spec });
    expect(
      t.store.create(GADGETS, undefined, {
        apiVersion: 'example.com/v1',
        kind: 'Gadget',
        metadata: { name: 'g2' },
        spec: { size: 50 },
      }).spec,
    ).toEqual({ size: 50 });
    expect(openapi.index().paths['apis/example.com/v1']?.serverRelativeURL).not.toBe(firstHash);

    // After a restart the stored CRD is served again before anything else happens.
    controllers.stop();
    t = t.reopen();
    controllers = startControllers(t.store, t.store.registry, silent);
    expect(t.store.list(GADGETS, undefined).items.map((g) => g.metadata.name)).toEqual(['g1', 'g2']);

    t.store.delete(GVR.crds, undefined, 'gadgets.example.com');
    expect(t.store.registry.typeOf('gadgets.example.com')).toBeUndefined();
    expect(() => t.store.list(GADGETS, undefined)).toThrow(/could not find the requested resource/);
    expect(t.db.listObjects('gadgets.example.com', undefined)).toEqual([]);
  });

  it('replace the schema of a shipped Istio kind, which comes back as shipped when the CRD goes', () => {
    const shipped = t.store.registry.typeOf('virtualservices.networking.istio.io');
    t.store.create(VS, 'default', virtualService('reviews'));
    // A "newer Istio" whose VirtualService has a field the shipped one lacks, in v1 only.
    t.store.create(GVR.crds, undefined, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'virtualservices.networking.istio.io' },
      spec: {
        group: 'networking.istio.io',
        scope: 'Namespaced',
        names: {
          plural: 'virtualservices',
          singular: 'virtualservice',
          kind: 'VirtualService',
          shortNames: ['vs'],
        },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      hosts: { type: 'array', items: { type: 'string' } },
                      futureField: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
    const upgraded = t.store.create(VS, 'default', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'future' },
      spec: { hosts: ['a'], futureField: 'kept' },
    });
    expect(upgraded.spec).toEqual({ hosts: ['a'], futureField: 'kept' });
    expect(t.store.registry.find({ ...VS, version: 'v1beta1' })).toBeUndefined();

    t.store.delete(GVR.crds, undefined, 'virtualservices.networking.istio.io');
    expect(t.store.registry.typeOf('virtualservices.networking.istio.io')).toBe(shipped);
    expect(
      t.store
        .list(VS, 'default')
        .items.map((v) => v.metadata.name)
        .sort(),
    ).toEqual(['future', 'reviews']);
  });
});
