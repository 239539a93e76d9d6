import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Select, Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { StringMatchType } from './contract';
import type { ConditionDraft, LabelRow, MatchRow, WeightRow } from './draft';
import { emptyCondition, labelRow, matchRow } from './draft';
import type { FieldFeedback } from '../rules/feedback';
import { itemStatus } from '../rules/feedback';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { MatchOffer } from './match-offer';
import type { VersionOption } from './WeightsEditor';
import { WeightsEditor } from './WeightsEditor';

const MATCH_TYPES: readonly StringMatchType[] = ['exact', 'prefix', 'regex'];

/** The match types one field can express, and the one it has (kept even when not offered). */
function matchTypeOptions(
  t: TFunction<'routing'>,
  types: readonly StringMatchType[],
  current: StringMatchType,
) {
  return MATCH_TYPES.filter((type) => types.includes(type) || type === current).map((type) => ({
    value: type,
    label: t(`conditions.${type}`),
  }));
}

function Problems({ errors }: { errors: readonly string[] }) {
  if (errors.length === 0) return null;
  return (
    <Typography.Paragraph type="danger" style={{ margin: '4px 0 0' }}>
      {errors.join(' ')}
    </Typography.Paragraph>
  );
}

interface EditableRowsProps<R extends { key: string }> {
  rows: R[];
  onChange: (rows: R[]) => void;
  path: string;
  feedback: FieldFeedback;
  labels: { group: string; row: (n: number) => string; add: string; remove: (n: number) => string };
  newRow: () => R;
  /** The inputs of one row; `update` merges a change into it. */
  renderFields: (row: R, index: number, update: (patch: Partial<R>) => void) => ReactNode;
}

/** A titled list of rows, each with its own inputs and a remove button, and an add button. */
function EditableRows<R extends { key: string }>({
  rows,
  onChange,
  path,
  feedback,
  labels,
  newRow,
  renderFields,
}: EditableRowsProps<R>) {
  const update = (index: number, patch: Partial<R>) => {
    onChange(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
    feedback.touch(`${path}.${index}`);
  };
  return (
    <div role="group" aria-label={labels.group}>
      <Typography.Text strong>{labels.group}</Typography.Text>
      {rows.map((row, index) => (
        <div key={row.key} role="group" aria-label={labels.row(index + 1)}>
          <Flex gap={8} align="start" style={{ marginTop: 6 }}>
            {renderFields(row, index, (patch) => update(index, patch))}
            <Button
              type="text"
              danger
              icon={<DeleteOutlined aria-hidden />}
              aria-label={labels.remove(index + 1)}
              onClick={() => onChange(rows.filter((_, i) => i !== index))}
            />
          </Flex>
        </div>
      ))}
      <Problems errors={feedback.errorsAt(path)} />
      <Button
        type="dashed"
        size="small"
        icon={<PlusOutlined aria-hidden />}
        style={{ marginTop: 6 }}
        onClick={() => onChange([...rows, newRow()])}
      >
        {labels.add}
      </Button>
    </div>
  );
}

interface MatchRowsProps {
  rows: MatchRow[];
  onChange: (rows: MatchRow[]) => void;
  path: string;
  feedback: FieldFeedback;
  /** The match types offered. */
  types: readonly StringMatchType[];
  labels: {
    group: string;
    row: (n: number) => string;
    name: string;
    add: string;
    remove: (n: number) => string;
  };
}

/** Header, query parameter or attachment matches: name, match type, value. */
function MatchRows({ labels, types, ...props }: MatchRowsProps) {
  const { t } = useTranslation('routing');
  const { path, feedback } = props;
  return (
    <EditableRows<MatchRow>
      {...props}
      labels={labels}
      newRow={matchRow}
      renderFields={(row, index, update) => (
        <>
          <Form.Item
            style={{ margin: 0, flex: 1 }}
            {...itemStatus(feedback.errorsAt(`${path}.${index}.name`))}
          >
            <Input
              aria-label={labels.name}
              placeholder={labels.name}
              value={row.name}
              onChange={(e) => update({ name: e.target.value })}
            />
          </Form.Item>
          {/* The BFF may refuse a match type the route's kind cannot express: said here. */}
          <Form.Item style={{ margin: 0 }} {...itemStatus(feedback.errorsAt(`${path}.${index}.type`))}>
            <Select<StringMatchType>
              aria-label={t('conditions.matchType')}
              value={row.type}
              options={matchTypeOptions(t, types, row.type)}
              virtual={false}
              style={{ width: 110 }}
              onChange={(type) => update({ type })}
            />
          </Form.Item>
          <Form.Item
            style={{ margin: 0, flex: 1 }}
            {...itemStatus(feedback.errorsAt(`${path}.${index}.value`))}
          >
            <Input
              aria-label={t('conditions.value')}
              placeholder={t('conditions.value')}
              value={row.value}
              onChange={(e) => update({ value: e.target.value })}
            />
          </Form.Item>
        </>
      )}
    />
  );
}

interface SingleMatchProps {
  value: { type: StringMatchType; value: string };
  onChange: (value: { type: StringMatchType; value: string }) => void;
  label: string;
  typeLabel: string;
  path: string;
  feedback: FieldFeedback;
  types: readonly StringMatchType[];
  placeholder?: string | undefined;
}

/** URI or method: a match type and a value; an empty value means "any". */
function SingleMatch({
  value,
  onChange,
  label,
  typeLabel,
  path,
  feedback,
  types,
  placeholder,
}: SingleMatchProps) {
  const { t } = useTranslation('routing');
  const errors = [
    ...feedback.errorsAt(path),
    ...feedback.errorsAt(`${path}.type`),
    ...feedback.errorsAt(`${path}.value`),
  ];
  return (
    <Form.Item label={label} style={{ marginBottom: 8 }} {...itemStatus(errors)}>
      <Space.Compact style={{ width: '100%' }}>
        <Select<StringMatchType>
          aria-label={typeLabel}
          value={value.type}
          options={matchTypeOptions(t, types, value.type)}
          virtual={false}
          style={{ width: 110 }}
          onChange={(type) => {
            onChange({ ...value, type });
            feedback.touch(path);
          }}
        />
        <Input
          aria-label={label}
          placeholder={placeholder}
          value={value.value}
          onChange={(e) => {
            onChange({ ...value, value: e.target.value });
            feedback.touch(path);
          }}
        />
      </Space.Compact>
    </Form.Item>
  );
}

interface LabelRowsProps {
  rows: LabelRow[];
  onChange: (rows: LabelRow[]) => void;
  path: string;
  feedback: FieldFeedback;
}

/** Labels of the calling workload: key = value. */
function SourceLabels(props: LabelRowsProps) {
  const { t } = useTranslation('routing');
  const { path, feedback } = props;
  return (
    <EditableRows<LabelRow>
      {...props}
      labels={{
        group: t('conditions.sourceLabels'),
        row: (n) => t('conditions.sourceLabel', { n }),
        add: t('conditions.addLabel'),
        remove: (n) => t('conditions.removeLabel', { n }),
      }}
      newRow={labelRow}
      renderFields={(row, index, update) => (
        <>
          <Form.Item
            style={{ margin: 0, flex: 1 }}
            {...itemStatus(feedback.errorsAt(`${path}.${index}.name`))}
          >
            <Input
              aria-label={t('conditions.labelKey')}
              placeholder={t('conditions.labelKey')}
              value={row.name}
              onChange={(e) => update({ name: e.target.value })}
            />
          </Form.Item>
          <span aria-hidden style={{ lineHeight: '32px' }}>
            =
          </span>
          <Input
            aria-label={t('conditions.labelValue')}
            placeholder={t('conditions.labelValue')}
            value={row.value}
            style={{ flex: 1 }}
            onChange={(e) => update({ value: e.target.value })}
          />
        </>
      )}
    />
  );
}

export interface ConditionsEditorProps {
  conditions: ConditionDraft[];
  onChange: (conditions: ConditionDraft[]) => void;
  versions: VersionOption[];
  /** What the rule's kind can match on (HTTP fields, the RPC method, attachments, the caller). */
  offer: MatchOffer;
  /** Indexes of conditions after a catch-all. */
  unreachable: readonly number[];
  catchAll: readonly boolean[];
  /** Weights a new condition starts with (the default destination's). */
  defaultRows: WeightRow[];
  feedback: FieldFeedback;
}

/** The ordered conditions of a condition route, each with its own version weights. */
export function ConditionsEditor(props: ConditionsEditorProps) {
  const { conditions, onChange, versions, offer, unreachable, catchAll, defaultRows, feedback } = props;
  const { t } = useTranslation('routing');

  const update = (index: number, patch: Partial<ConditionDraft>) =>
    onChange(conditions.map((c, i) => (i === index ? { ...c, ...patch } : c)));

  const move = (index: number, by: -1 | 1) => {
    const next = [...conditions];
    const [item] = next.splice(index, 1);
    if (!item) return;
    next.splice(index + by, 0, item);
    onChange(next);
  };

  return (
    <section aria-label={t('conditions.title')}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('conditions.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t(offer.specificFirst ? 'conditions.hintSpecificFirst' : 'conditions.hint')}
      </Typography.Paragraph>
      <Problems errors={feedback.errorsAt('matches')} />
      <Flex vertical gap={12}>
        {conditions.map((c, index) => {
          const n = index + 1;
          const at = `matches.${index}`;
          // A field the kind cannot express is not offered, unless the draft holds one: then it
          // shows, so the problem the check reports is beside something the operator can change.
          const showHeaders = offer.headers !== null || c.headers.length > 0;
          const showUri = offer.uri !== null || c.uri.value !== '';
          const showMethod = offer.method !== null || c.method.value !== '';
          const showQueryParams = offer.queryParams !== null || c.queryParams.length > 0;
          const showRpcMethod = offer.rpcMethod !== null || c.rpcMethod !== '';
          const showAttachments = offer.attachments || c.attachments.length > 0;
          const showSourceLabels = offer.sourceLabels || c.sourceLabels.length > 0;
          const body: ReactNode = (
            <Flex vertical gap={12}>
              {unreachable.includes(index) ? (
                <Alert type="warning" showIcon title={t('conditions.unreachable')} />
              ) : null}
              <Problems errors={feedback.errorsAt(`${at}.match`)} />
              {showHeaders ? (
                <MatchRows
                  rows={c.headers}
                  onChange={(headers) => update(index, { headers })}
                  path={`${at}.match.headers`}
                  feedback={feedback}
                  types={offer.headers ?? MATCH_TYPES}
                  labels={{
                    group: t('conditions.headers'),
                    row: (k) => t('conditions.header', { n: k }),
                    name: t('conditions.headerName'),
                    add: t('conditions.addHeader'),
                    remove: (k) => t('conditions.removeHeader', { n: k }),
                  }}
                />
              ) : null}
              {showUri ? (
                <SingleMatch
                  value={c.uri}
                  onChange={(uri) => update(index, { uri })}
                  label={t('conditions.uri')}
                  typeLabel={t('conditions.uriType')}
                  path={`${at}.match.uri`}
                  feedback={feedback}
                  types={offer.uri ?? MATCH_TYPES}
                  placeholder={offer.rpcMethod === 'grpc' ? t('conditions.grpcPath') : undefined}
                />
              ) : null}
              {showMethod ? (
                <SingleMatch
                  value={c.method}
                  onChange={(method) => update(index, { method })}
                  label={t('conditions.method')}
                  typeLabel={t('conditions.methodType')}
                  path={`${at}.match.method`}
                  feedback={feedback}
                  types={offer.method ?? MATCH_TYPES}
                />
              ) : null}
              {showQueryParams ? (
                <MatchRows
                  rows={c.queryParams}
                  onChange={(queryParams) => update(index, { queryParams })}
                  path={`${at}.match.queryParams`}
                  feedback={feedback}
                  types={offer.queryParams ?? MATCH_TYPES}
                  labels={{
                    group: t('conditions.queryParams'),
                    row: (k) => t('conditions.queryParam', { n: k }),
                    name: t('conditions.queryParamName'),
                    add: t('conditions.addQueryParam'),
                    remove: (k) => t('conditions.removeQueryParam', { n: k }),
                  }}
                />
              ) : null}
              {showRpcMethod ? (
                <Form.Item
                  label={t(offer.rpcMethod === 'grpc' ? 'conditions.grpcMethod' : 'conditions.rpcMethod')}
                  extra={offer.rpcMethod === 'grpc' ? t('conditions.grpcMethodHint') : null}
                  style={{ marginBottom: 0 }}
                  {...itemStatus(feedback.errorsAt(`${at}.match.rpcMethod`))}
                >
                  <Input
                    aria-label={t(
                      offer.rpcMethod === 'grpc' ? 'conditions.grpcMethod' : 'conditions.rpcMethod',
                    )}
                    value={c.rpcMethod}
                    onChange={(e) => {
                      update(index, { rpcMethod: e.target.value });
                      feedback.touch(`${at}.match.rpcMethod`);
                    }}
                  />
                </Form.Item>
              ) : null}
              {showAttachments ? (
                <MatchRows
                  rows={c.attachments}
                  onChange={(attachments) => update(index, { attachments })}
                  path={`${at}.match.attachments`}
                  feedback={feedback}
                  types={MATCH_TYPES}
                  labels={{
                    group: t('conditions.attachments'),
                    row: (k) => t('conditions.attachment', { n: k }),
                    name: t('conditions.attachmentName'),
                    add: t('conditions.addAttachment'),
                    remove: (k) => t('conditions.removeAttachment', { n: k }),
                  }}
                />
              ) : null}
              {showSourceLabels ? (
                <SourceLabels
                  rows={c.sourceLabels}
                  onChange={(sourceLabels) => update(index, { sourceLabels })}
                  path={`${at}.match.sourceLabels`}
                  feedback={feedback}
                />
              ) : null}
              <div>
                <Typography.Text strong>{t('form.weights')}</Typography.Text>
                <WeightsEditor
                  rows={c.rows}
                  onChange={(rows) => update(index, { rows })}
                  versions={versions}
                  path={`${at}.destinations`}
                  label={t('conditions.weights', { n })}
                  feedback={feedback}
                />
              </div>
            </Flex>
          );
          return (
            <Card
              key={c.key}
              size="small"
              role="group"
              aria-label={t('conditions.label', { n })}
              title={
                <Flex gap={8} align="center">
                  {t('conditions.label', { n })}
                  {catchAll[index] ? <Tag>{t('conditions.catchAll')}</Tag> : null}
                </Flex>
              }
              extra={
                <Flex gap={4}>
                  <Button
                    type="text"
                    size="small"
                    icon={<ArrowUpOutlined aria-hidden />}
                    aria-label={t('conditions.moveUp', { n })}
                    disabled={index === 0}
                    onClick={() => move(index, -1)}
                  />
                  <Button
                    type="text"
                    size="small"
                    icon={<ArrowDownOutlined aria-hidden />}
                    aria-label={t('conditions.moveDown', { n })}
                    disabled={index === conditions.length - 1}
                    onClick={() => move(index, 1)}
                  />
                  <Button
                    type="text"
                    size="small"
                    danger
                    icon={<DeleteOutlined aria-hidden />}
                    aria-label={t('conditions.remove', { n })}
                    onClick={() => onChange(conditions.filter((_, i) => i !== index))}
                  />
                </Flex>
              }
            >
              {body}
            </Card>
          );
        })}
      </Flex>
      <Button
        type="dashed"
        icon={<PlusOutlined aria-hidden />}
        style={{ marginTop: 12 }}
        onClick={() => onChange([...conditions, emptyCondition(defaultRows)])}
      >
        {t('conditions.add')}
      </Button>
    </section>
  );
}
