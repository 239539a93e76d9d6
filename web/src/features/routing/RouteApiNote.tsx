import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { useContractMessage } from '../../lib/messages/translate';
import type { RouteApiChoice } from './contract';

/**
 * Which route API the rules are written with, and why: Istio's VirtualService, or the Kubernetes
 * Gateway API's HTTPRoute, GRPCRoute or TCPRoute (the setting, the namespace's ambient enrolment and
 * waypoint, or the routes it already has).
 */
export function RouteApiNote({ choice, label }: { choice: RouteApiChoice; label: string }) {
  const { t } = useTranslation('routing');
  const contractText = useContractMessage();
  return (
    <Alert
      type="info"
      showIcon
      role="note"
      aria-label={label}
      title={t('api.writtenAs', { kind: choice.kind, api: t(`api.name.${choice.api}`) })}
      description={contractText(choice.reason)}
    />
  );
}
