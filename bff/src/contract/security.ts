import { z } from 'zod';
import { COMMENT_MAX_LENGTH } from './limits';
import { contractMessage as msg } from './messages';
import { ObjectRef, PlannedObject, RuleName } from './routing';

/**
 * Zero trust from the console: the two kinds of security rule on a service, one contract for the
 * browser (validating as the operator types) and the BFF (validating again before anything is
 * written).
 *
 * - mTLS: Istio's PeerAuthentication (security.istio.io/v1), for the service's workloads or its
 *   whole namespace, with the mode in force per port and where it comes from.
 * - Who may call the service: Istio's AuthorizationPolicy (security.istio.io/v1) selecting the
 *   service's workloads (`selector`, or `targetRefs` to the Service when it is served by a waypoint).
 *
 * API: `/api/v1/services/{id}/peer-authentications` and `/api/v1/services/{id}/access-policies`,
 * each with the same eight operations as routes and rate limits (api/rules.ts), plus
 * `GET .../access-policies/suggestion?window=5m` ("allow what is seen now").
 */

const COMMENT = z
  .string()
  .max(COMMENT_MAX_LENGTH)
  .optional()
  .describe('Recorded with the revision in the history');

// ---------------------------------------------------------------------------------------------
// mTLS (PeerAuthentication)

/** Istio's PeerAuthentication modes; UNSET inherits from the parent (namespace, then mesh). */
export const MtlsMode = z.enum(['UNSET', 'STRICT', 'PERMISSIVE', 'DISABLE']);
export type MtlsMode = z.infer<typeof MtlsMode>;

/** The mode a workload's port ends up with: UNSET resolved through namespace and mesh. */
export const EffectiveMtlsMode = z.enum(['STRICT', 'PERMISSIVE', 'DISABLE']);
export type EffectiveMtlsMode = z.infer<typeof EffectiveMtlsMode>;

export const PortMtls = z.object({
  port: z.number().int().min(1).max(65535).describe('A container (target) port of the workload'),
  mode: MtlsMode,
});
export type PortMtls = z.infer<typeof PortMtls>;

export const PeerAuthenticationForm = z
  .object({
    name: RuleName,
    scope: z
      .enum(['workload', 'namespace'])
      .describe(
        "workload: selects the service's instances by the Service's selector labels; namespace: no selector, so every workload of the service's namespace (Istio keeps one such policy per namespace, conventionally named default)",
      ),
    mode: MtlsMode,
    portLevel: z
      .array(PortMtls)
      .max(32)
      .default([])
      .describe('Per-port overrides; only with scope workload (Istio needs a selector for them)'),
    resourceVersion: z
      .string()
      .optional()
      .describe('The resourceVersion of the PeerAuthentication this edit is based on; a stale one is a 409'),
    comment: COMMENT,
  })
  .superRefine((form, ctx) => {
    if (form.scope === 'namespace' && form.portLevel.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['portLevel'],
        message: msg('security.portLevelNeedsSelector'),
      });
    const seen = new Set<number>();
    form.portLevel.forEach((p, i) => {
      if (seen.has(p.port))
        ctx.addIssue({
          code: 'custom',
          path: ['portLevel', i, 'port'],
          message: msg('security.portTwice', { port: p.port }),
        });
      seen.add(p.port);
    });
  })
  .meta({ id: 'PeerAuthenticationForm' });
export type PeerAuthenticationForm = z.infer<typeof PeerAuthenticationForm>;
export type PeerAuthenticationFormInput = z.input<typeof PeerAuthenticationForm>;

/** Where a mode in force comes from. */
export const MtlsSource = z
  .object({
    level: z
      .enum(['workload', 'namespace', 'mesh', 'default'])
      .describe('default: no PeerAuthentication applies, so Istio’s default, PERMISSIVE'),
    ref: ObjectRef.nullable().describe('The PeerAuthentication; null for the default'),
    port: z.number().int().nullable().describe('Set when a port-level setting of the policy decides'),
  })
  .meta({ id: 'MtlsSource' });
export type MtlsSource = z.infer<typeof MtlsSource>;

export const EffectiveMtls = z
  .object({
    mode: EffectiveMtlsMode.describe("The mode of the workloads' ports that have no port-level setting"),
    source: MtlsSource,
    ports: z.array(z.object({ port: z.number().int(), mode: EffectiveMtlsMode, source: MtlsSource })),
  })
  .meta({ id: 'EffectiveMtls' });
export type EffectiveMtls = z.infer<typeof EffectiveMtls>;

/** A DestinationRule's TLS setting for the service's host (what clients send). */
export const ClientTls = z
  .object({
    ref: ObjectRef,
    mode: z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']),
    subset: z.string().nullable(),
    port: z.number().int().nullable(),
    conflict: z
      .boolean()
      .describe('DISABLE (or SIMPLE/MUTUAL) towards workloads in STRICT mode: those requests would fail'),
  })
  .meta({ id: 'ClientTls' });
export type ClientTls = z.infer<typeof ClientTls>;

/** One caller seen in the telemetry window (a service and version, or an unknown/plaintext source). */
export const ObservedCaller = z
  .object({
    service: z.string().nullable().describe('The caller’s service ID; null for a source outside the mesh'),
    name: z.string().describe('A display name: the workload or service, or "unknown"'),
    namespace: z.string().nullable(),
    version: z.string().nullable(),
    principal: z
      .string()
      .nullable()
      .describe(
        'The caller’s identity (cluster.local/ns/<ns>/sa/<sa>, no spiffe:// prefix); null for plaintext',
      ),
    requestsPerMinute: z.number(),
    mtlsShare: z.number().nullable().describe('Share of its requests sent over mutual TLS, 0..1'),
  })
  .meta({ id: 'ObservedCaller' });
export type ObservedCaller = z.infer<typeof ObservedCaller>;

export const PeerAuthenticationRule = z
  .object({
    name: z.string(),
    objects: z.array(ObjectRef),
    resourceVersion: z.string(),
    form: PeerAuthenticationForm.nullable().describe('null when the form cannot show the policy (read-only)'),
    keptFields: z.array(z.string()).default([]).describe('Fields the form does not show, kept on write'),
    yaml: z.string(),
  })
  .meta({ id: 'PeerAuthenticationRule' });
export type PeerAuthenticationRule = z.infer<typeof PeerAuthenticationRule>;

export const PeerAuthenticationList = z
  .object({
    items: z
      .array(PeerAuthenticationRule)
      .describe("PeerAuthentications of the service's namespace that apply to it (editable)"),
    others: z
      .array(z.object({ ref: ObjectRef, yaml: z.string(), level: z.enum(['mesh', 'namespace', 'workload']) }))
      .describe('PeerAuthentications that apply from elsewhere (the root namespace): read-only'),
    effective: EffectiveMtls,
    clientTls: z.array(ClientTls),
    plaintextCallers: z
      .array(ObservedCaller)
      .describe('Callers seen sending plaintext over the last 5 minutes: STRICT would refuse them'),
    ports: z.array(z.number().int()).describe('The target ports of the service, for port-level settings'),
    trafficUnavailable: z
      .boolean()
      .default(false)
      .describe('The telemetry could not be read just now: the callers are unknown, not absent'),
  })
  .meta({ id: 'PeerAuthenticationList' });
export type PeerAuthenticationList = z.infer<typeof PeerAuthenticationList>;

// ---------------------------------------------------------------------------------------------
// Who may call this service (AuthorizationPolicy)

export const AccessAction = z.enum(['ALLOW', 'DENY', 'AUDIT']);
export type AccessAction = z.infer<typeof AccessAction>;

const Values = z
  .array(
    z
      .string()
      .min(1, msg('common.valueRequired'))
      .max(512, msg('common.atMostCharacters', { max: 512 })),
  )
  .max(64);

/** Istio's Source: every field given must match (an empty source matches any caller). */
export const AccessSource = z
  .object({
    namespaces: Values.optional(),
    principals: Values.optional().describe(
      'Service-account identities: cluster.local/ns/<ns>/sa/<sa>, or * forms',
    ),
    notNamespaces: Values.optional(),
    notPrincipals: Values.optional(),
  })
  .meta({ id: 'AccessSource' });
export type AccessSource = z.infer<typeof AccessSource>;

/** Istio's Operation: every field given must match. */
export const AccessOperation = z
  .object({
    methods: Values.optional().describe('HTTP methods (or gRPC /package.Service/Method paths go in paths)'),
    paths: Values.optional().describe('Exact, prefix (/api/*), suffix (*.js) or presence (*)'),
    ports: z
      .array(
        z
          .string()
          .regex(/^[0-9]{1,5}$/, msg('security.portNumber'))
          .refine((v) => Number(v) <= 65535, msg('security.portNumber')),
      )
      .max(64)
      .optional(),
    notMethods: Values.optional(),
    notPaths: Values.optional(),
  })
  .meta({ id: 'AccessOperation' });
export type AccessOperation = z.infer<typeof AccessOperation>;

/** The attributes istiod takes in a condition (pkg/config/security ValidateAttribute). */
const CONDITION_KEYS = new Set([
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.serviceAccount',
  'source.principal',
  'source.trustDomain',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.ip',
  'destination.port',
  'connection.sni',
]);
/** `request.headers[x-user]`, `request.auth.claims[iss]`, `experimental.envoy.filters.…[…]`: a name in brackets. */
const BRACKETED_KEY = /^(request\.headers|request\.auth\.claims|experimental\.envoy\.filters\..+)\[.+\]$/;

function conditionKeyKnown(key: string): boolean {
  return CONDITION_KEYS.has(key) || BRACKETED_KEY.test(key);
}

export const AccessCondition = z
  .object({
    key: z
      .string()
      .min(1, msg('security.conditionKeyRequired'))
      .max(256, msg('common.atMostCharacters', { max: 256 }))
      .describe('request.headers[x-user], source.ip, …'),
    values: Values.optional(),
    notValues: Values.optional(),
  })
  .meta({ id: 'AccessCondition' });
export type AccessCondition = z.infer<typeof AccessCondition>;

/**
 * Istio's Rule: it matches when one of `from` matches and one of `to` matches and every `when`
 * holds; a missing list matches everything.
 */
export const AccessRule = z
  .object({
    from: z.array(AccessSource).max(32).optional(),
    to: z.array(AccessOperation).max(32).optional(),
    when: z.array(AccessCondition).max(32).optional(),
  })
  .meta({ id: 'AccessRule' });
export type AccessRule = z.infer<typeof AccessRule>;

export const AccessPolicyForm = z
  .object({
    name: RuleName,
    action: AccessAction,
    rules: z
      .array(AccessRule)
      .max(50)
      .describe(
        'A request matches the policy when one rule matches. No rule matches nothing: an ALLOW policy without rules refuses every request to the service',
      ),
    dryRun: z
      .boolean()
      .default(false)
      .describe('istio.io/dry-run: evaluate and log the policy without enforcing it'),
    resourceVersion: z
      .string()
      .optional()
      .describe('The resourceVersion of the AuthorizationPolicy this edit is based on; a stale one is a 409'),
    comment: COMMENT,
  })
  .superRefine((form, ctx) => {
    // What istiod's validation refuses (pkg/config/validation ValidateAuthorizationPolicy).
    if (form.action === 'DENY' && form.rules.length === 0)
      ctx.addIssue({ code: 'custom', path: ['rules'], message: msg('security.denyWithoutRules') });
    form.rules.forEach((rule, i) =>
      (rule.when ?? []).forEach((condition, j) => {
        const at = ['rules', i, 'when', j];
        if (!conditionKeyKnown(condition.key))
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'key'],
            message: msg('security.conditionKeyUnknown', { key: condition.key }),
          });
        if ((condition.values ?? []).length === 0 && (condition.notValues ?? []).length === 0)
          ctx.addIssue({ code: 'custom', path: [...at, 'values'], message: msg('security.conditionValues') });
      }),
    );
  })
  .meta({ id: 'AccessPolicyForm' });
export type AccessPolicyForm = z.infer<typeof AccessPolicyForm>;
export type AccessPolicyFormInput = z.input<typeof AccessPolicyForm>;

export const AccessPolicyRule = z
  .object({
    name: z.string(),
    objects: z.array(ObjectRef),
    resourceVersion: z.string(),
    form: AccessPolicyForm.nullable().describe('null when the form cannot show the policy (CUSTOM, say)'),
    keptFields: z.array(z.string()).default([]).describe('Fields the form does not show, kept on write'),
    attachment: z
      .enum(['selector', 'targetRefs', 'namespace'])
      .describe('How the policy reaches the service'),
    yaml: z.string(),
  })
  .meta({ id: 'AccessPolicyRule' });
export type AccessPolicyRule = z.infer<typeof AccessPolicyRule>;

/** What the policies would do to one observed caller. */
export const CallerVerdict = z
  .object({
    caller: ObservedCaller,
    decision: z
      .enum(['allowed', 'denied', 'unknown'])
      .describe('unknown: depends on what telemetry does not show (paths, headers)'),
    policy: ObjectRef.nullable().describe(
      'The policy that decides (for denied: the DENY that matched, or null when no ALLOW matched)',
    ),
    reason: z.string(),
  })
  .meta({ id: 'CallerVerdict' });
export type CallerVerdict = z.infer<typeof CallerVerdict>;

export const AccessPolicyList = z
  .object({
    items: z.array(AccessPolicyRule).describe("Policies of the service's namespace that apply to it"),
    others: z
      .array(
        z.object({
          ref: ObjectRef,
          yaml: z.string(),
          action: z.string(),
          from: z.enum(['root', 'namespace']),
        }),
      )
      .describe('Policies that apply from the root namespace (mesh-wide): read-only'),
    callers: z
      .array(CallerVerdict)
      .describe('The callers seen over the last 5 minutes, judged by the policies in force'),
    trafficUnavailable: z
      .boolean()
      .default(false)
      .describe('The telemetry could not be read just now: the callers are unknown, not absent'),
  })
  .meta({ id: 'AccessPolicyList' });
export type AccessPolicyList = z.infer<typeof AccessPolicyList>;

const PreviewWarning = z.object({ message: z.string() });

/** A preview: the objects, the warnings, and what the change would refuse of the observed traffic. */
export const AccessPolicyPreview = z
  .object({
    objects: z.array(PlannedObject),
    warnings: z.array(PreviewWarning),
    refused: z
      .array(CallerVerdict)
      .describe('Observed callers allowed now that the policies would refuse after the change'),
  })
  .meta({ id: 'AccessPolicyPreview' });
export type AccessPolicyPreview = z.infer<typeof AccessPolicyPreview>;

export const PeerAuthenticationPreview = z
  .object({
    objects: z.array(PlannedObject),
    warnings: z.array(PreviewWarning),
    refused: z
      .array(ObservedCaller)
      .describe('Observed plaintext callers that the mode after the change (STRICT) would refuse'),
  })
  .meta({ id: 'PeerAuthenticationPreview' });
export type PeerAuthenticationPreview = z.infer<typeof PeerAuthenticationPreview>;

export const AccessPolicySuggestion = z
  .object({
    form: AccessPolicyForm.describe('An ALLOW policy for the callers seen; edit it before applying'),
    callers: z.array(ObservedCaller),
    window: z.string(),
  })
  .meta({ id: 'AccessPolicySuggestion' });
export type AccessPolicySuggestion = z.infer<typeof AccessPolicySuggestion>;
