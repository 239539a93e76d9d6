import type { Protocol } from '../../contract/catalog';

/**
 * Istio's protocol selection: an explicit appProtocol (or ServiceEntry `protocol`) first, then the
 * port name's prefix (`<protocol>[-<suffix>]`). RPC protocols Istio does not know (dubbo, sofarpc,
 * bolt) travel as TCP, so a port named `dubbo` with protocol TCP is still Dubbo.
 */
const BY_NAME: Record<string, Protocol> = {
  http: 'http',
  https: 'http',
  http2: 'http2',
  h2c: 'http2',
  'kubernetes.io/h2c': 'http2',
  grpc: 'grpc',
  'grpc-web': 'grpc',
  dubbo: 'dubbo',
  tri: 'dubbo',
  sofarpc: 'sofarpc',
  bolt: 'sofarpc',
  tcp: 'tcp',
  tls: 'tcp',
  mongo: 'tcp',
  mysql: 'tcp',
  redis: 'tcp',
};

const RPC: ReadonlySet<Protocol> = new Set(['dubbo', 'sofarpc']);

export function isRpc(protocol: Protocol): boolean {
  return RPC.has(protocol);
}

function fromName(name: string | undefined): Protocol | undefined {
  if (!name) return undefined;
  const lower = name.toLowerCase();
  return BY_NAME[lower] ?? BY_NAME[lower.split('-')[0] ?? ''];
}

export function portProtocol(port: { name?: string; appProtocol?: string; protocol?: string }): Protocol {
  const byName = fromName(port.name);
  if (byName && isRpc(byName)) return byName;
  const explicit =
    fromName(port.appProtocol) ??
    (port.protocol?.toUpperCase() === 'UDP' ? undefined : fromName(port.protocol));
  if (explicit && explicit !== 'tcp') return explicit;
  return byName ?? explicit ?? 'tcp';
}

/** A service's type: its first port that is not plain TCP, else TCP; Spring Cloud when labelled. */
export function serviceProtocol(ports: Protocol[], framework: string | null): Protocol {
  const main = ports.find((p) => p !== 'tcp') ?? 'tcp';
  if (framework === 'spring-cloud' && (main === 'http' || main === 'http2')) return 'springcloud';
  return main;
}
