import { Flex, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { RouteRule, RouteScope } from './contract';

/** Why the rule was not chosen, as `mesh/rule-scope.ts` says it, in the routing namespace's keys. */
const WHY = {
  'more-specific-host': 'moreSpecificHost',
  'caller-namespace': 'callerNamespace',
  'exported-to-caller': 'exportedToCaller',
  older: 'older',
  'same-age-name-order': 'sameAgeNameOrder',
} as const;

const isKnownWhy = (reason: string): reason is keyof typeof WHY => Object.hasOwn(WHY, reason);

export const refText = (ref: { namespace: string; name: string }) => `${ref.namespace}/${ref.name}`;

/**
 * Which rule's row the observed in-mesh split belongs to: only the rule that decides in-mesh calls
 * (in effect, or in effect for some callers, at the sidecars, naming the host). The others say why
 * not, so the same observed split is never shown beside two rules.
 */
type ObservedPlace = 'here' | 'notInEffect' | 'atGateways' | 'elsewhere';

export function observedPlace(scope: RouteScope): ObservedPlace {
  const decides = scope.effect === 'in-effect' || scope.effect === 'partly';
  if (decides && scope.appliesAt.mesh && (scope.match === 'exact' || scope.match === 'wildcard'))
    return 'here';
  if (scope.effect === 'ignored' || scope.effect === 'hidden' || scope.effect === 'unattached')
    return 'notInEffect';
  if (!scope.appliesAt.mesh) return 'atGateways';
  return 'elsewhere';
}

function exportToText(exportTo: readonly string[], t: TFunction<'routing'>): string {
  return exportTo.map((e) => (e === '.' ? t('scope.exportOwn') : e)).join(', ');
}

/** How the rule stands for calls to the service: in effect, ignored for which rule, and why. */
function Effect({ scope, preferredTo }: { scope: RouteScope; preferredTo: readonly string[] }) {
  const { t } = useTranslation('routing');
  const winner = scope.ignoredFor;
  const because =
    winner && isKnownWhy(winner.reason)
      ? t('scope.because', { why: t(`scope.why.${WHY[winner.reason]}`) })
      : null;
  switch (scope.effect) {
    case 'in-effect':
      return (
        <Flex vertical gap={2} align="flex-start">
          <Tag color="green">{t('scope.inEffect')}</Tag>
          {preferredTo.length > 0 ? (
            <Typography.Text type="secondary">
              {t('scope.preferredTo', { count: preferredTo.length, others: preferredTo.join(', ') })}
            </Typography.Text>
          ) : null}
        </Flex>
      );
    case 'ignored':
    case 'partly': {
      const text = winner
        ? t(scope.effect === 'ignored' ? 'scope.ignored' : 'scope.partly', { winner: refText(winner) })
        : t(scope.effect === 'ignored' ? 'scope.ignoredUnknown' : 'scope.partlyUnknown');
      return (
        <Flex vertical gap={2}>
          <Typography.Text type={scope.effect === 'ignored' ? 'danger' : 'warning'}>{text}</Typography.Text>
          {because ? <Typography.Text type="secondary">{because}</Typography.Text> : null}
        </Flex>
      );
    }
    case 'hidden':
      return <Typography.Text type="danger">{t('scope.hidden')}</Typography.Text>;
    case 'gateway':
      return <Tag color="geekblue">{t('scope.gateway')}</Tag>;
    case 'delegate':
      return <Typography.Text type="secondary">{t('scope.delegate')}</Typography.Text>;
    case 'unattached':
      return <Typography.Text type="danger">{t('scope.unattachedEffect')}</Typography.Text>;
  }
}

/**
 * The "Applies at" cell: the mesh and each gateway (a missing one marked), the rule's namespace
 * when it is not the service's, how it reaches the service when it does not name its host, the
 * other RPC interfaces sharing its host (and so the rule), its exportTo when it is not everyone,
 * and whether it is in effect.
 */
export function AppliesAt({
  rule,
  serviceNamespace,
  preferredTo,
}: {
  rule: RouteRule;
  serviceNamespace: string;
  /** The rules (`namespace/name`) ignored in favour of this one: both rows say which is used. */
  preferredTo: readonly string[];
}) {
  const { t } = useTranslation('routing');
  const { scope } = rule;
  const missing = new Set(scope.missingGateways);
  const reaches =
    scope.match === 'wildcard'
      ? t('scope.wildcard', { host: scope.host })
      : scope.match === 'destination'
        ? t('scope.destination', { host: scope.host })
        : scope.match === 'delegate'
          ? scope.delegateOf
            ? t('scope.delegateOf', { root: refText(scope.delegateOf) })
            : t('scope.unattached')
          : null;
  const exported = !(scope.exportTo.length === 1 && scope.exportTo[0] === '*');
  const places = scope.appliesAt.mesh || scope.appliesAt.gateways.length > 0;
  return (
    <Flex vertical gap={4} role="group" aria-label={t('table.appliesAtOf', { name: rule.name })}>
      {places ? (
        <Flex gap={4} wrap>
          {scope.appliesAt.mesh ? <Tag color="blue">{t('scope.mesh')}</Tag> : null}
          {scope.appliesAt.gateways.map((g) =>
            missing.has(g) ? (
              <Tag key={g} color="error">
                {t('scope.gatewayMissing', { gateway: g })}
              </Tag>
            ) : (
              <Tag key={g}>{g}</Tag>
            ),
          )}
        </Flex>
      ) : null}
      {scope.namespace !== serviceNamespace ? (
        <Typography.Text type="secondary">
          {t('scope.namespace', { namespace: scope.namespace })}
        </Typography.Text>
      ) : null}
      {reaches ? (
        <Typography.Text type="secondary" style={{ overflowWrap: 'anywhere' }}>
          {reaches}
        </Typography.Text>
      ) : null}
      {scope.sharedWith && scope.sharedWith.length > 0 ? (
        <Typography.Text type="warning" style={{ overflowWrap: 'anywhere' }}>
          {t('scope.sharedWith', { interfaces: scope.sharedWith.join(', ') })}
        </Typography.Text>
      ) : null}
      {exported ? (
        <Typography.Text type="secondary">
          {t('scope.exportTo', { namespaces: exportToText(scope.exportTo, t) })}
        </Typography.Text>
      ) : null}
      <Effect scope={scope} preferredTo={preferredTo} />
    </Flex>
  );
}
