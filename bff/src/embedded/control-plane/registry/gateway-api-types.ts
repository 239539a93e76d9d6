import { typeFromCrd } from './crd-types';
import type { ResourceType } from './resource-type';
import { loadVendoredCrds } from './vendored-crds';

/** The vendored Gateway API standard-channel CRDs (see scripts/vendor-gateway-api-crds.ts). */
export function gatewayApiTypes(): ResourceType[] {
  return loadVendoredCrds('gateway-api.json').crds.map((crd) => typeFromCrd(crd));
}
