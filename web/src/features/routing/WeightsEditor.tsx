import { DeleteOutlined, LockOutlined, PlusOutlined, UnlockOutlined } from '@ant-design/icons';
import { Button, Flex, Form, InputNumber, Select, Slider, Table, Tooltip, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { WEIGHT_TOTAL } from './contract';
import type { WeightRow } from './draft';
import { weightRow } from './draft';
import type { FieldFeedback } from '../rules/feedback';
import { itemStatus } from '../rules/feedback';
import { useTranslation } from 'react-i18next';
import { FULL, distributeEvenly, rebalance, removeWeight, roomFor, totalOf } from './rebalance';

export interface VersionOption {
  version: string;
  ready: number;
}

export interface WeightsEditorProps {
  rows: WeightRow[];
  onChange: (rows: WeightRow[]) => void;
  /** The service's versions: the only ones a row can choose. */
  versions: VersionOption[];
  /** Where the contract reports this list's problems: `destinations` or `matches.<i>.destinations`. */
  path: string;
  /** The accessible name of the group, e.g. "Version weights". */
  label: string;
  feedback: FieldFeedback;
}

/**
 * The version/weight/actions table of the talk's routing form: a slider per row (or, switched to
 * manual input, a number), a lock, delete, add and distribute evenly, and the live total. Moving
 * a slider lets the unlocked rows absorb the difference; rows in manual input keep what was typed.
 */
export function WeightsEditor({ rows, onChange, versions, path, label, feedback }: WeightsEditorProps) {
  const { t } = useTranslation('routing');
  const total = totalOf(rows.map((r) => r.weight));
  const used = new Set(rows.map((r) => r.version));
  const unused = versions.find((v) => !used.has(v.version));
  const nameOf = (row: WeightRow, index: number) => row.version ?? t('weights.row', { n: index + 1 });

  const update = (index: number, patch: Partial<WeightRow>) =>
    onChange(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));

  const room = (index: number) =>
    roomFor(
      rows.map((r) => r.weight),
      rows.map((r) => r.locked),
      index,
    );

  const withWeights = (weights: number[]) => rows.map((r, i) => ({ ...r, weight: weights[i] ?? 0 }));

  const handleSlide = (index: number, value: number) => {
    // A row in manual input holds what the operator typed, like a locked one.
    const held = rows.map((r) => r.locked || r.manual);
    onChange(
      withWeights(
        rebalance(
          rows.map((r) => r.weight),
          held,
          index,
          value,
        ),
      ),
    );
    feedback.touch(`${path}.${index}.weight`);
  };

  const handleRemove = (index: number) => {
    const weights = removeWeight(
      rows.map((r) => r.weight),
      rows.map((r) => r.locked || r.manual),
      index,
    );
    onChange(rows.filter((_, i) => i !== index).map((r, i) => ({ ...r, weight: weights[i] ?? 0 })));
    feedback.touch(path);
  };

  const handleAdd = () => {
    if (!unused) return;
    onChange([...rows, weightRow(unused.version, rows.length === 0 ? FULL : 0)]);
  };

  const handleEven = () => {
    onChange(
      withWeights(
        distributeEvenly(
          rows.map((r) => r.weight),
          rows.map((r) => r.locked),
        ),
      ),
    );
    feedback.touch(path);
  };

  const columns: TableColumnsType<WeightRow> = [
    {
      key: 'version',
      title: t('weights.version'),
      width: '42%',
      render: (_, row, index) => {
        const known = versions.some((v) => v.version === row.version);
        const options = [
          ...versions.map((v) => ({
            value: v.version,
            label: v.ready > 0 ? v.version : `${v.version} (${t('weights.noReady')})`,
            disabled: v.version !== row.version && used.has(v.version),
          })),
          ...(row.version !== undefined && !known
            ? [
                {
                  value: row.version,
                  label: t('weights.notAVersion', { version: row.version }),
                  disabled: false,
                },
              ]
            : []),
        ];
        return (
          <Form.Item style={{ margin: 0 }} {...itemStatus(feedback.errorsAt(`${path}.${index}.version`))}>
            <Select<string>
              aria-label={t('weights.versionOfRow', { n: index + 1 })}
              placeholder={t('weights.placeholder')}
              value={row.version}
              options={options}
              virtual={false}
              popupMatchSelectWidth={false}
              style={{ width: '100%' }}
              onChange={(version) => {
                update(index, { version });
                feedback.touch(`${path}.${index}.version`);
              }}
            />
          </Form.Item>
        );
      },
    },
    {
      key: 'weight',
      title: t('weights.weight'),
      render: (_, row, index) => {
        const name = nameOf(row, index);
        return (
          <Form.Item style={{ margin: 0 }} {...itemStatus(feedback.errorsAt(`${path}.${index}.weight`))}>
            <Flex align="center" gap={8}>
              {row.manual ? (
                <InputNumber<number>
                  aria-label={t('weights.weightOf', { version: name })}
                  min={0}
                  max={room(index)}
                  step={1}
                  precision={0}
                  value={row.weight}
                  suffix="%"
                  style={{ width: 110 }}
                  onChange={(value) => {
                    // A locked row bounds what this one can take, as it bounds a slider.
                    update(index, { weight: Math.min(value ?? 0, room(index)) });
                    feedback.touch(`${path}.${index}.weight`);
                  }}
                />
              ) : (
                <>
                  <Slider
                    ariaLabelForHandle={t('weights.weightOf', { version: name })}
                    min={0}
                    max={FULL}
                    step={1}
                    value={row.weight}
                    disabled={row.locked}
                    style={{ flex: 1, minWidth: 100 }}
                    tooltip={{ formatter: (v) => `${v ?? 0}%` }}
                    onChange={(value: number) => handleSlide(index, value)}
                  />
                  <Typography.Text style={{ minWidth: 44, textAlign: 'right' }} aria-hidden>
                    {row.weight} %
                  </Typography.Text>
                </>
              )}
              <Button
                type="link"
                size="small"
                aria-label={t(row.manual ? 'weights.sliderFor' : 'weights.manualFor', { version: name })}
                onClick={() => update(index, { manual: !row.manual })}
              >
                {t(row.manual ? 'weights.slider' : 'weights.manual')}
              </Button>
            </Flex>
          </Form.Item>
        );
      },
    },
    {
      key: 'actions',
      title: t('weights.actions'),
      width: 130,
      render: (_, row, index) => {
        const name = nameOf(row, index);
        return (
          <Flex gap={4} align="center">
            <Tooltip title={t('weights.lockFor', { version: name })}>
              <Button
                type="text"
                size="small"
                aria-label={t('weights.lockFor', { version: name })}
                aria-pressed={row.locked}
                icon={row.locked ? <LockOutlined /> : <UnlockOutlined />}
                onClick={() => update(index, { locked: !row.locked })}
              />
            </Tooltip>
            <Button
              type="link"
              danger
              size="small"
              icon={<DeleteOutlined aria-hidden />}
              aria-label={t('weights.deleteFor', { version: name })}
              onClick={() => handleRemove(index)}
            >
              {t('weights.delete')}
            </Button>
          </Flex>
        );
      },
    },
  ];

  const listErrors = feedback.errorsAt(path);
  const ok = total === WEIGHT_TOTAL;
  return (
    <div role="group" aria-label={label}>
      <Table<WeightRow>
        size="small"
        rowKey="key"
        pagination={false}
        columns={columns}
        dataSource={rows}
        locale={{ emptyText: t('weights.placeholder') }}
      />
      {listErrors.length > 0 ? (
        <Typography.Paragraph type="danger" style={{ margin: '4px 0 0' }}>
          {listErrors.join(' ')}
        </Typography.Paragraph>
      ) : null}
      <Flex justify="space-between" align="center" style={{ marginTop: 8 }} wrap gap={8}>
        <Flex gap={8}>
          <Button
            icon={<PlusOutlined aria-hidden />}
            aria-label={t('weights.addVersion')}
            disabled={!unused}
            onClick={handleAdd}
          >
            {t('weights.add')}
          </Button>
          <Button disabled={rows.length === 0} onClick={handleEven}>
            {t('weights.even')}
          </Button>
        </Flex>
        <Typography.Text role="status" strong type={ok ? undefined : 'danger'}>
          {t('weights.total', { total })}
        </Typography.Text>
      </Flex>
    </div>
  );
}
