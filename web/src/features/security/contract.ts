// The security contract, shared with the BFF. The forms validate with the same zod schemas the BFF
// runs again, so this brings zod into the security chunk (as routing and rate limits do).
export { AccessPolicyForm, MtlsMode, PeerAuthenticationForm } from '../../../../bff/src/contract/security';
export type {
  AccessAction,
  AccessCondition,
  AccessOperation,
  AccessPolicyFormInput,
  AccessPolicyList,
  AccessPolicyPreview,
  AccessPolicyRule,
  AccessPolicySuggestion,
  AccessRule,
  AccessSource,
  CallerVerdict,
  ClientTls,
  EffectiveMtlsMode,
  MtlsSource,
  ObservedCaller,
  PeerAuthenticationFormInput,
  PeerAuthenticationList,
  PeerAuthenticationPreview,
  PeerAuthenticationRule,
} from '../../../../bff/src/contract/security';

/** The forms as the API and checks take them (the schemas share the names). */
export type {
  AccessPolicyForm as AccessPolicyFormValue,
  PeerAuthenticationForm as PeerAuthenticationFormValue,
} from '../../../../bff/src/contract/security';
