import type { ResolvedResource } from '../registry/registry';
import type { PrinterColumn } from '../registry/resource-type';
import type { KubeObject } from '../types';
import { isRecord, resourceKey } from '../types';

/**
 * meta.k8s.io Table output, what `kubectl get` prints. Custom resources print their CRD's
 * additionalPrinterColumns; the built-in kinds print the columns kube-apiserver's printers do.
 */

interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const column = (name: string, type = 'string', priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description: '',
  priority,
});

const NAME = column('Name', 'string', 0, 'name');

/** apimachinery's duration.HumanDuration, the AGE column. */
function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(timestamp: unknown): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<invalid>' : humanDuration(Date.now() - t);
}

/** The simple JSONPath CRD printer columns use: `.spec.hosts`, `.spec.ports[0].name`. */
function jsonPathValue(object: unknown, path: string): unknown {
  let value = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (part === '') continue;
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) value = isRecord(value) ? value[m[1]] : undefined;
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g))
      value = Array.isArray(value) ? value[Number(idx[1])] : undefined;
  }
  return value;
}

/** A CRD column cell as the apiextensions table convertor makes it. */
function customCell(col: PrinterColumn, object: KubeObject): unknown {
  const value = jsonPathValue(object, col.jsonPath);
  if (value === undefined || value === null) return null;
  switch (col.type) {
    case 'date':
      return age(value);
    case 'string':
      // kubectl's JSONPath printer writes lists and maps as JSON, e.g. ["reviews"].
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return null;
  }
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown, fallback = '<none>'): string => (typeof v === 'string' && v !== '' ? v : fallback);

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** kubectl's way of shortening a long address list: the first three, then `+ N more...`. */
function firstThree(items: string[]): string {
  if (items.length === 0) return '<none>';
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}

function selectorText(selector: unknown): string {
  const s = rec(selector);
  const parts = Object.entries(rec(s.matchLabels)).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of arr(s.matchExpressions).map(rec)) {
    const values = arr(e.values).map(String).join(',');
    if (e.operator === 'In') parts.push(`${str(e.key, '')} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${str(e.key, '')} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(str(e.key, ''));
    else if (e.operator === 'DoesNotExist') parts.push(`!${str(e.key, '')}`);
  }
  return parts.join(',') || '<none>';
}

/** The CONTAINERS and IMAGES columns of workloads (`-o wide`). */
function templateContainers(o: KubeObject): [string, string] {
  const containers = arr(rec(rec(rec(o.spec).template).spec).containers).map(rec);
  return [
    containers.map((c) => str(c.name, '')).join(','),
    containers.map((c) => str(c.image, '')).join(','),
  ];
}

interface BuiltinPrinter {
  columns: ColumnDefinition[];
  cells(o: KubeObject): unknown[];
}

/** Role and ClusterRole print their name and creation time, as kube-apiserver's printer. */
const rolePrinter: BuiltinPrinter = {
  columns: [NAME, column('Created At', 'date')],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? null],
};

/** The subjects of a binding by kind, for the wide columns; a ServiceAccount prints as `namespace/name`. */
function subjectsOf(o: KubeObject, kind: string): string {
  return arr(o.subjects)
    .map(rec)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${str(s.namespace, '')}/${str(s.name, '')}` : str(s.name, '')))
    .join(', ');
}

const bindingPrinter: BuiltinPrinter = {
  columns: [
    NAME,
    column('Role'),
    column('Age'),
    column('Users', 'string', 1),
    column('Groups', 'string', 1),
    column('ServiceAccounts', 'string', 1),
  ],
  cells: (o) => {
    const ref = rec(o.roleRef);
    return [
      o.metadata.name,
      `${str(ref.kind, '')}/${str(ref.name, '')}`,
      age(o.metadata.creationTimestamp),
      subjectsOf(o, 'User'),
      subjectsOf(o, 'Group'),
      subjectsOf(o, 'ServiceAccount'),
    ];
  },
};

const intOrStringCell = (v: unknown): string =>
  typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : 'N/A';

const BUILTIN: Record<string, BuiltinPrinter> = {
  namespaces: {
    columns: [NAME, column('Status'), column('Age')],
    cells: (o) => [o.metadata.name, str(rec(o.status).phase, ''), age(o.metadata.creationTimestamp)],
  },
  services: {
    columns: [
      NAME,
      column('Type'),
      column('Cluster-IP'),
      column('External-IP'),
      column('Port(s)'),
      column('Age'),
      column('Selector', 'string', 1),
    ],
    cells: (o) => {
      const spec = rec(o.spec);
      const ports = arr(spec.ports)
        .map((p) => {
          const port = rec(p);
          const node = typeof port.nodePort === 'number' ? `:${port.nodePort}` : '';
          return `${String(port.port)}${node}/${str(port.protocol, 'TCP')}`;
        })
        .join(',');
      const ingress = arr(rec(rec(o.status).loadBalancer).ingress).map((i) =>
        str(rec(i).ip, str(rec(i).hostname, '')),
      );
      const external = [...arr(spec.externalIPs).map(String), ...ingress].filter(Boolean);
      const selector = Object.entries(rec(spec.selector))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',');
      return [
        o.metadata.name,
        str(spec.type, 'ClusterIP'),
        str(spec.clusterIP),
        external.length > 0 ? external.join(',') : spec.type === 'LoadBalancer' ? '<pending>' : '<none>',
        ports || '<none>',
        age(o.metadata.creationTimestamp),
        selector || '<none>',
      ];
    },
  },
  pods: {
    columns: [
      NAME,
      column('Ready'),
      column('Status'),
      column('Restarts', 'string'),
      column('Age'),
      column('IP', 'string', 1),
      column('Node', 'string', 1),
    ],
    cells: (o) => {
      const spec = rec(o.spec);
      const status = rec(o.status);
      const statuses = arr(status.containerStatuses).map(rec);
      const ready = statuses.filter((c) => c.ready === true).length;
      const restarts = statuses.reduce(
        (n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0),
        0,
      );
      return [
        o.metadata.name,
        `${ready}/${arr(spec.containers).length}`,
        str(status.reason, str(status.phase, 'Pending')),
        String(restarts),
        age(o.metadata.creationTimestamp),
        str(status.podIP),
        str(spec.nodeName),
      ];
    },
  },
  configmaps: {
    columns: [NAME, column('Data', 'integer'), column('Age')],
    cells: (o) => [
      o.metadata.name,
      Object.keys(rec(o.data)).length + Object.keys(rec(o.binaryData)).length,
      age(o.metadata.creationTimestamp),
    ],
  },
  secrets: {
    columns: [NAME, column('Type'), column('Data', 'integer'), column('Age')],
    cells: (o) => [
      o.metadata.name,
      str(o.type, 'Opaque'),
      Object.keys(rec(o.data)).length,
      age(o.metadata.creationTimestamp),
    ],
  },
  serviceaccounts: {
    columns: [NAME, column('Secrets', 'integer'), column('Age')],
    cells: (o) => [o.metadata.name, arr(o.secrets).length, age(o.metadata.creationTimestamp)],
  },
  endpoints: {
    columns: [NAME, column('Endpoints'), column('Age')],
    cells: (o) => {
      const addresses = arr(o.subsets).flatMap((subset) => {
        const s = rec(subset);
        const ports = arr(s.ports).map((p) => num(rec(p).port));
        const ips = arr(s.addresses).map((a) => str(rec(a).ip, ''));
        return ports.length === 0 ? ips : ips.flatMap((ip) => ports.map((p) => `${ip}:${p}`));
      });
      return [o.metadata.name, firstThree(addresses), age(o.metadata.creationTimestamp)];
    },
  },
  'endpointslices.discovery.k8s.io': {
    columns: [NAME, column('AddressType'), column('Ports'), column('Endpoints'), column('Age')],
    cells: (o) => {
      const ports = arr(o.ports).map((p) => String(num(rec(p).port)));
      const addresses = arr(o.endpoints).flatMap((e) => arr(rec(e).addresses).map(String));
      return [
        o.metadata.name,
        str(o.addressType, ''),
        ports.length > 0 ? ports.join(',') : '<unset>',
        firstThree(addresses).replace(/^<none>$/, '<unset>'),
        age(o.metadata.creationTimestamp),
      ];
    },
  },
  'deployments.apps': {
    columns: [
      NAME,
      column('Ready'),
      column('Up-to-date', 'integer'),
      column('Available', 'integer'),
      column('Age'),
      column('Containers', 'string', 1),
      column('Images', 'string', 1),
      column('Selector', 'string', 1),
    ],
    cells: (o) => {
      const spec = rec(o.spec);
      const status = rec(o.status);
      const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
      return [
        o.metadata.name,
        `${num(status.readyReplicas)}/${desired}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(o.metadata.creationTimestamp),
        ...templateContainers(o),
        selectorText(spec.selector),
      ];
    },
  },
  'replicasets.apps': {
    columns: [
      NAME,
      column('Desired', 'integer'),
      column('Current', 'integer'),
      column('Ready', 'integer'),
      column('Age'),
      column('Containers', 'string', 1),
      column('Images', 'string', 1),
      column('Selector', 'string', 1),
    ],
    cells: (o) => {
      const spec = rec(o.spec);
      const status = rec(o.status);
      return [
        o.metadata.name,
        typeof spec.replicas === 'number' ? spec.replicas : 1,
        num(status.replicas),
        num(status.readyReplicas),
        age(o.metadata.creationTimestamp),
        ...templateContainers(o),
        selectorText(spec.selector),
      ];
    },
  },
  'roles.rbac.authorization.k8s.io': rolePrinter,
  'clusterroles.rbac.authorization.k8s.io': rolePrinter,
  'rolebindings.rbac.authorization.k8s.io': bindingPrinter,
  'clusterrolebindings.rbac.authorization.k8s.io': bindingPrinter,
  'poddisruptionbudgets.policy': {
    columns: [
      NAME,
      column('Min Available'),
      column('Max Unavailable'),
      column('Allowed Disruptions', 'integer'),
      column('Age'),
    ],
    cells: (o) => {
      const spec = rec(o.spec);
      return [
        o.metadata.name,
        intOrStringCell(spec.minAvailable),
        intOrStringCell(spec.maxUnavailable),
        num(rec(o.status).disruptionsAllowed),
        age(o.metadata.creationTimestamp),
      ];
    },
  },
  'leases.coordination.k8s.io': {
    columns: [NAME, column('Holder'), column('Age')],
    cells: (o) => [o.metadata.name, str(rec(o.spec).holderIdentity, ''), age(o.metadata.creationTimestamp)],
  },
  'customresourcedefinitions.apiextensions.k8s.io': {
    columns: [NAME, column('Created At', 'date')],
    cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ?? null],
  },
  events: {
    columns: [column('Last Seen'), column('Type'), column('Reason'), column('Object'), column('Message')],
    cells: (o) => {
      const involved = rec(o.involvedObject);
      return [
        age(o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? o.metadata.creationTimestamp),
        str(o.type, ''),
        str(o.reason, ''),
        `${str(involved.kind, '').toLowerCase()}/${str(involved.name, '')}`,
        str(o.message, ''),
      ];
    },
  },
};

function printerFor({ type, version }: ResolvedResource): BuiltinPrinter {
  const builtin = type.custom ? undefined : BUILTIN[resourceKey(type)];
  if (builtin) return builtin;
  return {
    columns: [
      NAME,
      ...version.printerColumns.map((c) => column(c.name, c.type, c.priority ?? 0, c.format ?? '')),
    ],
    cells: (o) => [o.metadata.name, ...version.printerColumns.map((c) => customCell(c, o))],
  };
}

function rowObject(object: KubeObject, include: IncludeObject, metaVersion: string): unknown {
  if (include === 'Object') return object;
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: object.metadata,
  };
}

export function buildTable(
  resolved: ResolvedResource,
  objects: KubeObject[],
  options: { resourceVersion?: string; include: IncludeObject; metaVersion: string; withColumns: boolean },
) {
  const printer = printerFor(resolved);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.metaVersion}`,
    metadata: options.resourceVersion === undefined ? {} : { resourceVersion: options.resourceVersion },
    ...(options.withColumns ? { columnDefinitions: printer.columns } : { columnDefinitions: null }),
    rows: objects.map((o) => ({
      cells: printer.cells(o),
      ...(options.include === 'None' ? {} : { object: rowObject(o, options.include, options.metaVersion) }),
    })),
  };
}
