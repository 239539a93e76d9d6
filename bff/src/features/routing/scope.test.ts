import { describe, expect, it } from 'vitest';
import type { MeshObject } from '../../mesh/istio-types';
import { ruleScope } from '../../mesh/rule-scope';
import { mayConcern, ruleIndex } from './scope';

let created = 0;
const obj = (kind: string, namespace: string, name: string, spec: Record<string, unknown>): MeshObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind,
  metadata: {
    name,
    namespace,
    creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, created++)).toISOString(),
  },
  spec,
});
const vs = (ns: string, name: string, spec: Record<string, unknown>) => obj('VirtualService', ns, name, spec);
const dr = (ns: string, name: string, host: string) => obj('DestinationRule', ns, name, { host });
const to = (host: string) => ({ route: [{ destination: { host } }] });

// Every way a rule can name reviews.bookinfo (short, namespaced, full, upper case, wildcard, as a
// destination, through a delegate), and rules that name other services only.
const virtualServices = [
  vs('bookinfo', 'short', { hosts: ['reviews'], http: [to('reviews')] }),
  vs('bookinfo', 'namespaced', { hosts: ['reviews.bookinfo'], http: [to('reviews.bookinfo')] }),
  vs('other', 'fqdn', {
    hosts: [' Reviews.bookinfo.svc.cluster.local'],
    http: [to('reviews.bookinfo.svc.cluster.local')],
  }),
  vs('bookinfo', 'wildcard', { hosts: ['*.bookinfo.svc.cluster.local'], http: [to('ratings')] }),
  vs('bookinfo', 'gateway', { hosts: ['shop.example.com'], gateways: ['gw'], http: [to('reviews')] }),
  vs('bookinfo', 'root', {
    hosts: ['api.example.com'],
    gateways: ['gw'],
    http: [{ delegate: { name: 'child' } }],
  }),
  vs('bookinfo', 'child', { http: [to('reviews.bookinfo.svc.cluster.local')] }),
  vs('bookinfo', 'ratings', { hosts: ['ratings'], http: [to('ratings')] }),
  vs('other', 'reviews-elsewhere', { hosts: ['reviews'], http: [to('reviews')] }),
  vs('bookinfo', 'details', { hosts: ['details'], tcp: [to('details')] }),
];
const destinationRules = [
  dr('bookinfo', 'reviews', 'reviews'),
  dr('other', 'reviews-full', 'reviews.bookinfo.svc.cluster.local'),
  dr('bookinfo', 'all', '*.bookinfo.svc.cluster.local'),
  dr('bookinfo', 'ratings', 'ratings'),
  dr('other', 'reviews-other', 'reviews'),
];

describe('mayConcern', () => {
  it('passes on what ruleScope needs: the scope is the one over the whole mesh', () => {
    const service = { host: 'reviews.bookinfo.svc.cluster.local', namespace: 'bookinfo' };
    const concerns = mayConcern(service.host);
    const whole = ruleScope(service, { virtualServices, destinationRules });
    const filtered = ruleScope(service, {
      virtualServices: virtualServices.filter(concerns),
      destinationRules: destinationRules.filter(concerns),
    });
    expect(filtered).toEqual(whole);
    expect(whole.virtualServices.length).toBeGreaterThan(4);
    // Rules that name only other services are left out before they are judged.
    expect(virtualServices.filter(concerns).map((v) => v.metadata.name)).not.toContain('details');
    expect(destinationRules.filter(concerns).map((d) => d.metadata.name)).not.toContain('ratings');
  });
});

describe('ruleIndex', () => {
  const hosts = [
    'reviews.bookinfo.svc.cluster.local',
    'details.bookinfo.svc.cluster.local',
    'ratings.bookinfo.svc.cluster.local',
    'nothing.other.svc.cluster.local',
  ];
  it('finds what the filters over the whole list find, in the list’s order', () => {
    for (const list of [virtualServices, destinationRules]) {
      const index = ruleIndex(list);
      for (const host of hosts) expect(index.concerning(host), host).toEqual(list.filter(mayConcern(host)));
      for (const ns of ['bookinfo', 'other', 'nowhere'])
        expect(index.inNamespace(ns), ns).toEqual(list.filter((o) => o.metadata.namespace === ns));
    }
  });

  it('is built once per list, and a new list (the kind changed) gets its own', () => {
    const list = Object.freeze([...destinationRules]);
    expect(ruleIndex(list)).toBe(ruleIndex(list));
    const changed = Object.freeze(list.filter((d) => d.metadata.name !== 'reviews'));
    expect(
      ruleIndex(changed)
        .concerning(hosts[0] as string)
        .map((d) => d.metadata.name),
    ).not.toContain('reviews');
  });
});
