import type { JsonSchema, ResourceType } from './resource-type';

const DUBBO_GROUP = 'service.dubbo.apache.org';

/**
 * Apache Dubbo's mesh rules publish no schema, so spec is a free-form object; everything else at
 * the top level is pruned as for any structural CRD.
 */
const freeForm: JsonSchema = {
  type: 'object',
  properties: {
    spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

function dubbo(plural: string, singular: string, kind: string): ResourceType {
  return {
    group: DUBBO_GROUP,
    plural,
    singular,
    kind,
    listKind: `${kind}List`,
    // No short names: `vs` and `dr` already mean Istio's kinds, and sharing them would make kubectl guess.
    shortNames: [],
    categories: ['dubbo'],
    namespaced: true,
    versions: [
      {
        name: 'v1alpha1',
        schema: freeForm,
        printerColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      },
    ],
    custom: true,
    statusSubresource: true,
    allowUnconditionalUpdate: false,
    allowCreateOnUpdate: false,
    nameRule: 'dns1123-subdomain',
    extraFieldSelectors: [],
  };
}

export function dubboTypes(): ResourceType[] {
  return [
    dubbo('virtualservices', 'virtualservice', 'VirtualService'),
    dubbo('destinationrules', 'destinationrule', 'DestinationRule'),
  ];
}
