import { Collapse, Flex, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { contractMessage } from '../../../../bff/src/contract/messages';
import { matchContractMessage, useContractMessage } from '../../lib/messages/translate';
import type { MergedSubsets as Merged } from './contract';

type Subset = Merged['subsets'][number];

const refText = (ref: { namespace: string; name: string }) => `${ref.namespace}/${ref.name}`;

/** Why a DestinationRule is not used (`mesh/rule-scope.ts`), in the routing namespace's keys. */
const NOT_USED = {
  'not-exported': 'notExported',
  'less-specific-host': 'lessSpecificHost',
  'earlier-namespace': 'earlierNamespace',
  'separate-export': 'separateExport',
} as const;

const isKnownNotUsed = (reason: string): reason is keyof typeof NOT_USED => Object.hasOwn(NOT_USED, reason);

/**
 * What the merge leaves out, in the operator's language: a contract message, whose `reason` (a
 * code, when a whole DestinationRule is not used) is translated here.
 */
function useLeftOutText(): (what: string) => string {
  const { t } = useTranslation('routing');
  const contractText = useContractMessage();
  return (what) => {
    const match = matchContractMessage(what);
    const reason = match?.values.reason;
    if (match?.key === 'yaml.destinationRuleNotUsed' && reason !== undefined && isKnownNotUsed(reason)) {
      const words = t(`subsets.notUsed.${NOT_USED[reason]}`);
      return contractText(contractMessage('yaml.destinationRuleNotUsed', { reason: words }));
    }
    return contractText(what);
  };
}

/**
 * The host's DestinationRules as Istio merges them for callers in the service's namespace: each
 * subset with the labels it selects, the version that is, and the rule it comes from; the traffic
 * policy in force and its source; and what the merge leaves out.
 */
export function MergedSubsets({ merged, namespace }: { merged: Merged; namespace: string }) {
  const { t } = useTranslation('routing');
  const leftOutText = useLeftOutText();
  const ignoredId = useId();
  const columns: TableColumnsType<Subset> = [
    {
      key: 'name',
      title: t('subsets.name'),
      dataIndex: 'name',
      render: (name: string) => <Typography.Text strong>{name}</Typography.Text>,
    },
    {
      key: 'labels',
      title: t('subsets.labels'),
      render: (_, subset) => (
        <Flex gap={4} wrap>
          {Object.entries(subset.labels).map(([key, value]) => (
            <Tag key={key} variant="filled">
              {key}={value}
            </Tag>
          ))}
        </Flex>
      ),
    },
    {
      key: 'version',
      title: t('subsets.version'),
      render: (_, subset) =>
        subset.version ?? <Typography.Text type="warning">{t('subsets.noVersion')}</Typography.Text>,
    },
    { key: 'from', title: t('subsets.from'), render: (_, subset) => refText(subset.from) },
  ];
  return (
    <section aria-label={t('subsets.label')}>
      <Flex vertical gap={8}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          {t('subsets.title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('subsets.description', { namespace })}</Typography.Text>
        <Table<Subset>
          size="small"
          rowKey={(s) => `${refText(s.from)}/${s.name}`}
          columns={columns}
          dataSource={merged.subsets}
          pagination={false}
        />
        {merged.trafficPolicy ? (
          <Collapse
            size="small"
            items={[
              {
                key: 'policy',
                label: t('subsets.trafficPolicy', { from: refText(merged.trafficPolicy.from) }),
                children: (
                  <pre aria-label={t('subsets.trafficPolicyYaml')} style={{ margin: 0, overflowX: 'auto' }}>
                    <code>{merged.trafficPolicy.yaml}</code>
                  </pre>
                ),
              },
            ]}
          />
        ) : null}
        {merged.ignored.length > 0 ? (
          <div>
            <Typography.Text strong id={ignoredId}>
              {t('subsets.ignored')}
            </Typography.Text>
            <ul aria-labelledby={ignoredId} style={{ margin: '4px 0 0', paddingInlineStart: 18 }}>
              {merged.ignored.map((item, i) => (
                <li key={`${refText(item)}-${i}`}>
                  {refText(item)}: {leftOutText(item.what)}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </Flex>
    </section>
  );
}
