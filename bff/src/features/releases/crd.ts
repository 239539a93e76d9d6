import type { ReleaseSample, ReleaseSpec, ReleaseStatus } from '../../contract/releases';

/**
 * The Release custom resource (issue 17): a progressive release lives in the control plane, in the
 * service's namespace, so its state survives restarts and every replica sees it. `spec` is the
 * validated form (without its name, which is the object's) and the target; `status` is what the
 * release controller records (the state machine's status, the latest gate samples, and the weights
 * it last wrote). The same definition is served by the embedded control plane and shipped in
 * `deploy/kustomize/base/release-crd.yaml` (a test keeps the two equal).
 */

export const RELEASE_GROUP = 'mesh-console.io';
export const RELEASE_VERSION = 'v1alpha1';
export const RELEASE_PLURAL = 'releases';
export const RELEASE_KIND = 'Release';

/** The gate samples a release keeps for its charts (one per controller evaluation, the latest only). */
export const SAMPLE_LIMIT = 120;

/** What the release writes its weights to. */
export interface ReleaseTarget {
  serviceId: string;
  host: string;
  routeKind: 'VirtualService' | 'HTTPRoute';
  routeName: string;
}

/** Who started the release: weight writes of the controller impersonate this user. */
interface ReleaseCreator {
  name: string;
  role: string;
  groups: string[];
}

/** The weights the release last wrote (and saw written), so an edit by anyone else shows. */
interface AppliedWeights {
  step: number;
  stable: number;
  canary: number;
  header?: { name: string; value: string };
  at: string;
}

export type ReleaseObjectSpec = Omit<ReleaseSpec, 'name'> & {
  target: ReleaseTarget;
  createdBy: ReleaseCreator;
};

export type ReleaseObjectStatus = ReleaseStatus & {
  samples?: ReleaseSample[];
  applied?: AppliedWeights;
};

export interface ReleaseObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec: ReleaseObjectSpec;
  status?: ReleaseObjectStatus;
}

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const num = (extra: Schema = {}): Schema => ({ type: 'number', ...extra });
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  ...(required.length > 0 ? { required } : {}),
  properties,
  ...extra,
});
const dateTime = str({ format: 'date-time' });
const free: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

const holdSeconds = int({ minimum: 5, maximum: 86400 });

const specSchema = obj(
  {
    target: obj(
      {
        serviceId: str({ minLength: 1 }),
        host: str({ minLength: 1 }),
        routeKind: str({ enum: ['VirtualService', 'HTTPRoute'] }),
        routeName: str({ minLength: 1, maxLength: 253 }),
      },
      ['serviceId', 'host', 'routeKind', 'routeName'],
    ),
    createdBy: obj({ name: str({ minLength: 1 }), role: str(), groups: { type: 'array', items: str() } }, [
      'name',
      'role',
    ]),
    stable: str({ minLength: 1 }),
    canary: str({ minLength: 1 }),
    headerCanary: obj({ name: str({ minLength: 1 }), value: str({ minLength: 1 }), holdSeconds }, [
      'name',
      'value',
      'holdSeconds',
    ]),
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: obj({ weight: int({ minimum: 1, maximum: 100 }), holdSeconds }, ['weight', 'holdSeconds']),
    },
    gates: obj(
      {
        maxErrorRate: num({ minimum: 0, maximum: 100 }),
        maxP99Ms: num({ minimum: 0 }),
        minRequests: int({ minimum: 0 }),
      },
      ['maxErrorRate', 'maxP99Ms', 'minRequests'],
    ),
    onFailure: str({ enum: ['rollback'] }),
  },
  ['target', 'createdBy', 'stable', 'canary', 'steps', 'gates', 'onFailure'],
);

/** A message as contract messages (`ContractText`): keys and values, nested; kept as written. */
const contractText: Schema = { type: 'array', items: free };

const logEntry = obj(
  {
    at: dateTime,
    step: int({ minimum: 0 }),
    outcome: str({
      enum: ['started', 'passed', 'failed', 'paused', 'resumed', 'promoted', 'aborted', 'succeeded'],
    }),
    message: str(),
    text: contractText,
  },
  ['at', 'step', 'outcome', 'message'],
);

const statusSchema = obj({
  phase: str({ enum: ['Progressing', 'Paused', 'Succeeded', 'RolledBack'] }),
  step: int({ minimum: 0 }),
  startedAt: dateTime,
  stepStartedAt: dateTime,
  gates: free,
  log: { type: 'array', maxItems: 100, items: logEntry },
  reason: str(),
  reasonText: contractText,
  samples: { type: 'array', maxItems: SAMPLE_LIMIT, items: free },
  applied: obj(
    {
      step: int({ minimum: 0 }),
      stable: int({ minimum: 0, maximum: 100 }),
      canary: int({ minimum: 0, maximum: 100 }),
      header: obj({ name: str(), value: str() }, ['name', 'value']),
      at: dateTime,
    },
    ['step', 'stable', 'canary', 'at'],
  ),
});

/** The CustomResourceDefinition, as `kubectl apply` takes it. */
export const RELEASE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${RELEASE_PLURAL}.${RELEASE_GROUP}` },
  spec: {
    group: RELEASE_GROUP,
    scope: 'Namespaced',
    names: {
      plural: RELEASE_PLURAL,
      singular: 'release',
      kind: RELEASE_KIND,
      listKind: 'ReleaseList',
      categories: ['mesh-console'],
    },
    versions: [
      {
        name: RELEASE_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Service', type: 'string', jsonPath: '.spec.target.host' },
          { name: 'Canary', type: 'string', jsonPath: '.spec.canary' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Step', type: 'integer', jsonPath: '.status.step' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: obj(
            {
              apiVersion: str(),
              kind: str(),
              metadata: { type: 'object' },
              spec: specSchema,
              status: statusSchema,
            },
            ['spec'],
          ),
        },
      },
    ],
  },
};
