import {
  CheckCircleFilled,
  CloseCircleFilled,
  ExclamationCircleFilled,
  InfoCircleFilled,
} from '@ant-design/icons';
import { Button, Flex, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useContractMessage } from '../../lib/messages/translate';
import type { ConfigCheck, ConfigSeverity, IstioConfigItem } from './contract';

// Validation in the manner of Kiali: a red badge for errors, an orange one for warnings, a green
// check when nothing is wrong. Unlike a tooltip, the checks themselves are a disclosure (a button
// with aria-expanded, the list in the row below it), so a keyboard or screen reader reaches them.

const ORDER: readonly ConfigSeverity[] = ['error', 'warning', 'info'];

const TAG_COLOR: Record<ConfigSeverity, string> = { error: 'error', warning: 'orange', info: 'processing' };

const ICON: Record<ConfigSeverity, ReactNode> = {
  error: <CloseCircleFilled aria-hidden />,
  warning: <ExclamationCircleFilled aria-hidden />,
  info: <InfoCircleFilled aria-hidden />,
};

const COUNT_KEY = { error: 'checks.errors', warning: 'checks.warnings', info: 'checks.infos' } as const;

/** The checks of one object, worst first (the BFF's order kept within a severity). */
function sortedChecks(checks: readonly ConfigCheck[]): ConfigCheck[] {
  return [...checks].sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity));
}

/** "VirtualService reviews": how a check's button and list name their object. */
const objectValues = (item: IstioConfigItem) => ({ kind: item.ref.kind, name: item.ref.name });

export interface ChecksBadgeProps {
  item: IstioConfigItem;
  expanded: boolean;
  /** The id of the element that lists the checks (present while expanded). */
  controls: string;
  onToggle: () => void;
}

/** The object's validation: a green "Valid", or its counts per severity as a button that shows the checks. */
export function ChecksBadge({ item, expanded, controls, onToggle }: ChecksBadgeProps) {
  const { t } = useTranslation('istioConfig');
  const counts = ORDER.map((severity) => ({
    severity,
    count: item.checks.filter((c) => c.severity === severity).length,
  })).filter((c) => c.count > 0);
  const problems = counts.some((c) => c.severity !== 'info');

  const valid = problems ? null : (
    <Tag color="success" icon={<CheckCircleFilled aria-hidden />} title={t('checks.validLabel')}>
      {t('checks.valid')}
    </Tag>
  );
  if (counts.length === 0) return valid;

  const labels = counts.map((c) => t(COUNT_KEY[c.severity], { count: c.count }));
  return (
    <Flex gap={4} align="center" wrap>
      {valid}
      <Button
        type="text"
        size="small"
        aria-expanded={expanded}
        aria-controls={controls}
        aria-label={t('checks.toggle', { ...objectValues(item), summary: labels.join(', ') })}
        onClick={onToggle}
        style={{ paddingInline: 2, height: 'auto' }}
      >
        {counts.map((c, i) => (
          <Tag
            key={c.severity}
            color={TAG_COLOR[c.severity]}
            icon={ICON[c.severity]}
            style={{ marginInlineEnd: 0 }}
          >
            {labels[i]}
          </Tag>
        ))}
      </Button>
    </Flex>
  );
}

/** One check: its severity, its message in the operator's language, where in the object, and its code. */
function CheckRow({ check }: { check: ConfigCheck }) {
  const { t } = useTranslation('istioConfig');
  const translate = useContractMessage();
  const message = translate(check.message);
  return (
    <li style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 8, alignItems: 'baseline' }}>
      <Tag color={TAG_COLOR[check.severity]} icon={ICON[check.severity]} style={{ marginInlineEnd: 0 }}>
        {t(`checks.severity.${check.severity}`)}
      </Tag>
      <div>
        {/* Until the contract's catalog knows a check, its English is shown, and marked so. */}
        <Typography.Text lang={message === check.message ? 'en' : undefined}>{message}</Typography.Text>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {check.path ? (
            <>
              {t('checks.at')} <code>{check.path}</code> ·{' '}
            </>
          ) : null}
          <code>{check.code}</code>
        </Typography.Paragraph>
      </div>
    </li>
  );
}

/** The checks of one object, as a named list (the disclosure's content). */
export function CheckList({ item, id }: { item: IstioConfigItem; id?: string }) {
  const { t } = useTranslation('istioConfig');
  return (
    <ul
      id={id}
      aria-label={t('checks.list', objectValues(item))}
      style={{ margin: 0, paddingInlineStart: 0, listStyle: 'none', display: 'grid', gap: 6 }}
    >
      {sortedChecks(item.checks).map((check, i) => (
        <CheckRow key={`${check.code}-${check.path ?? ''}-${i}`} check={check} />
      ))}
    </ul>
  );
}
