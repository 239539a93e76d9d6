import { isRecord } from '../types';
import { typeFromCrd } from './crd-types';
import type { JsonSchema, ResourceType } from './resource-type';
import { loadVendoredCrds } from './vendored-crds';

/**
 * SOFA's control plane accepts a `dubbo` section in networking.istio.io VirtualServices; a stock
 * Istio CRD prunes it. Declaring it as a free-form object reproduces the SOFA dialect.
 */
function withDubboField(schema: JsonSchema): JsonSchema {
  const copy = structuredClone(schema);
  const spec = isRecord(copy.properties) ? copy.properties.spec : undefined;
  if (isRecord(spec) && isRecord(spec.properties)) {
    spec.properties.dubbo = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  return copy;
}

/** The vendored Istio CRDs (see scripts/vendor-istio-crds.ts). */
export function istioTypes(options: { keepIstioDubboField: boolean }): ResourceType[] {
  return loadVendoredCrds('istio-networking.json').crds.map((crd) => {
    const dubbo = options.keepIstioDubboField && crd.names.plural === 'virtualservices';
    return typeFromCrd(crd, dubbo ? withDubboField : undefined);
  });
}
