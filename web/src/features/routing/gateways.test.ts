import { describe, expect, it } from 'vitest';
import { gatewayChoices, isGatewayOnly, resolveGateway } from './gateways';

describe('gateways as a VirtualService names them', () => {
  it('resolves mesh, namespace/name, a bare name (the rule’s namespace) and the older FQDN form', () => {
    expect(resolveGateway('mesh', 'bookinfo')).toBe('mesh');
    expect(resolveGateway('istio-system/ingressgateway', 'bookinfo')).toBe('istio-system/ingressgateway');
    expect(resolveGateway('bookinfo-gateway', 'bookinfo')).toBe('bookinfo/bookinfo-gateway');
    expect(resolveGateway('bookinfo-gateway.edge.svc.cluster.local', 'bookinfo')).toBe(
      'edge/bookinfo-gateway',
    );
  });

  it('offers the mesh, the rule’s own entries as written (a missing one marked), then the other gateways', () => {
    expect(
      gatewayChoices(
        ['bookinfo-gateway', 'gone'],
        ['bookinfo/bookinfo-gateway', 'istio-system/ingress'],
        'bookinfo',
      ),
    ).toEqual([
      { value: 'mesh', resolved: 'mesh', missing: false },
      { value: 'bookinfo-gateway', resolved: 'bookinfo/bookinfo-gateway', missing: false },
      { value: 'gone', resolved: 'bookinfo/gone', missing: true },
      { value: 'istio-system/ingress', resolved: 'istio-system/ingress', missing: false },
    ]);
  });

  it('calls a selection gateway-only when it names gateways but not the mesh', () => {
    expect(isGatewayOnly([])).toBe(false);
    expect(isGatewayOnly(['mesh', 'a/b'])).toBe(false);
    expect(isGatewayOnly(['a/b'])).toBe(true);
  });
});
