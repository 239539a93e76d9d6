import { Alert, Divider, Flex } from 'antd';
import type { ServiceDetail } from '../../lib/contract';
import { useCan } from '../auth/session';
import { AccessPoliciesSection } from './AccessPoliciesSection';
import { MtlsSection } from './MtlsSection';

/**
 * The service's Security tab (安全): mTLS (PeerAuthentication, the mode in force and where it comes
 * from) and who may call the service (AuthorizationPolicy, judged against the callers seen).
 */
export function SecurityTab({ service }: { service: ServiceDetail }) {
  const can = useCan('changeSecurity', service);
  const readOnly = can.allowed ? undefined : can.reason;
  return (
    <Flex vertical gap={12}>
      {readOnly ? <Alert type="info" showIcon title={readOnly} role="note" /> : null}
      <MtlsSection service={service} readOnly={readOnly} />
      <Divider style={{ margin: '4px 0' }} />
      <AccessPoliciesSection service={service} readOnly={readOnly} />
    </Flex>
  );
}
