import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import { Alert, Flex, Form, Input, InputNumber, Radio, Select, Switch, Typography } from 'antd';
import { useId } from 'react';
import type { FieldFeedback } from '../rules/feedback';
import { itemStatus } from '../rules/feedback';
import type { RateLimitListResponse, RateScope, RateUnit } from './contract';
import { HTTP_METHODS, effectiveTotal } from './contract';
import type { RateLimitDraft } from './draft';
import { useTranslation } from 'react-i18next';

/** Where the contract reports the problems of each field of the draft. */
export const FIELD_PATHS: Record<keyof RateLimitDraft, string> = {
  name: 'name',
  version: 'version',
  pathType: 'match.path',
  path: 'match.path',
  method: 'match.method',
  headerName: 'match.header',
  headerValue: 'match.header',
  rpcMethod: 'match.rpcMethod',
  requests: 'limit.requests',
  unit: 'limit.unit',
  burst: 'burst',
  scope: 'scope',
  status: 'response.status',
  responseHeaderName: 'response.header',
  responseHeaderValue: 'response.header',
  enabled: 'enabled',
  shadow: 'shadow',
  comment: 'comment',
};

const RENDERED = /^(name|version|match|limit|burst|scope|response|enabled|shadow|comment)(\.|$)/;

/** Whether the form shows problems of this path beside a field (every field of the contract). */
export const isRenderedPath = (path: string) => RENDERED.test(path);

const isRpc = (protocol: string) => protocol === 'dubbo' || protocol === 'sofarpc';

export interface RateLimitFormFieldsProps {
  draft: RateLimitDraft;
  /** Changes one field (and marks it as visited, so its problems show). */
  onChange: <K extends keyof RateLimitDraft>(key: K, value: RateLimitDraft[K]) => void;
  protocol: string;
  list: RateLimitListResponse;
  /** Editing an existing rule: its name is fixed. */
  editing: boolean;
  feedback: FieldFeedback;
}

/** The rate-limit form: limit, burst, scope, match, response, enabled, shadow; problems beside each field. */
export function RateLimitFormFields({
  draft,
  onChange: set,
  protocol,
  list,
  editing,
  feedback,
}: RateLimitFormFieldsProps) {
  const { t } = useTranslation('ratelimit');
  const id = useId();
  const { errorsAt, errorsUnder } = feedback;
  const rpc = isRpc(protocol);
  const readyInstances =
    draft.version === ''
      ? list.readyInstances
      : (list.versions.find((v) => v.version === draft.version)?.ready ?? 0);
  const unitText = t(`unit.${draft.unit}`);

  return (
    <Form layout="vertical" component="div">
      <Form.Item label={t('form.name')} htmlFor={`${id}-name`} {...itemStatus(errorsUnder('name'))}>
        <Input
          id={`${id}-name`}
          value={draft.name}
          disabled={editing}
          placeholder={t('form.namePlaceholder')}
          onChange={(e) => set('name', e.target.value)}
        />
      </Form.Item>
      <Form.Item label={t('form.version')} htmlFor={`${id}-version`} {...itemStatus(errorsUnder('version'))}>
        <Select
          id={`${id}-version`}
          value={draft.version}
          onChange={(v: string) => set('version', v)}
          options={[
            { value: '', label: t('form.allVersions') },
            ...list.versions.map((v) => ({ value: v.version, label: v.version })),
          ]}
        />
      </Form.Item>
      <fieldset style={{ border: 0, padding: 0, margin: 0 }} aria-describedby={`${id}-matchhint`}>
        <legend style={{ fontSize: 14, marginBottom: 4 }}>{t('form.match')}</legend>
        <Typography.Paragraph type="secondary" id={`${id}-matchhint`} style={{ marginBottom: 8 }}>
          {t('form.matchHint')}
        </Typography.Paragraph>
        {rpc ? (
          <Form.Item
            label={t('form.rpcMethod')}
            htmlFor={`${id}-rpc`}
            {...itemStatus([...errorsAt('match'), ...errorsUnder('match.rpcMethod')])}
          >
            <Input
              id={`${id}-rpc`}
              value={draft.rpcMethod}
              onChange={(e) => set('rpcMethod', e.target.value)}
            />
          </Form.Item>
        ) : (
          <>
            <Flex gap={8}>
              <Form.Item label={t('form.pathType')} htmlFor={`${id}-pathtype`}>
                <Select
                  id={`${id}-pathtype`}
                  style={{ width: 120 }}
                  value={draft.pathType}
                  onChange={(v: 'exact' | 'prefix') => set('pathType', v)}
                  options={[
                    { value: 'prefix', label: t('form.prefix') },
                    { value: 'exact', label: t('form.exact') },
                  ]}
                />
              </Form.Item>
              <Form.Item
                label={t('form.path')}
                htmlFor={`${id}-path`}
                style={{ flex: 1 }}
                {...itemStatus([...errorsAt('match'), ...errorsUnder('match.path')])}
              >
                <Input
                  id={`${id}-path`}
                  value={draft.path}
                  placeholder="/api"
                  onChange={(e) => set('path', e.target.value)}
                />
              </Form.Item>
              <Form.Item
                label={t('form.method')}
                htmlFor={`${id}-method`}
                {...itemStatus(errorsUnder('match.method'))}
              >
                <Select
                  id={`${id}-method`}
                  style={{ width: 140 }}
                  value={draft.method}
                  onChange={(v: string) => set('method', v)}
                  options={[
                    { value: '', label: t('form.anyMethod') },
                    ...HTTP_METHODS.map((m) => ({ value: m, label: m })),
                  ]}
                />
              </Form.Item>
            </Flex>
            <Flex gap={8}>
              <Form.Item
                label={t('form.headerName')}
                htmlFor={`${id}-hname`}
                style={{ flex: 1 }}
                {...itemStatus([...errorsAt('match.header'), ...errorsUnder('match.header.name')])}
              >
                <Input
                  id={`${id}-hname`}
                  value={draft.headerName}
                  onChange={(e) => set('headerName', e.target.value)}
                />
              </Form.Item>
              <Form.Item
                label={t('form.headerValue')}
                htmlFor={`${id}-hvalue`}
                style={{ flex: 1 }}
                {...itemStatus(errorsUnder('match.header.value'))}
              >
                <Input
                  id={`${id}-hvalue`}
                  value={draft.headerValue}
                  onChange={(e) => set('headerValue', e.target.value)}
                />
              </Form.Item>
            </Flex>
          </>
        )}
      </fieldset>
      <Flex gap={8} wrap>
        <Form.Item
          label={t('form.requests')}
          htmlFor={`${id}-requests`}
          {...itemStatus(errorsUnder('limit.requests'))}
        >
          <InputNumber
            id={`${id}-requests`}
            value={draft.requests}
            onChange={(v) => set('requests', typeof v === 'number' ? v : null)}
          />
        </Form.Item>
        <Form.Item
          label={t('form.unit')}
          htmlFor={`${id}-unit`}
          {...itemStatus([...errorsUnder('limit.unit'), ...errorsUnder('limit.window')])}
        >
          <Select
            id={`${id}-unit`}
            style={{ width: 140 }}
            value={draft.unit}
            onChange={(v: RateUnit) => set('unit', v)}
            options={(['second', 'minute', 'hour'] as const).map((u) => ({
              value: u,
              label: t(`form.units.${u}`),
            }))}
          />
        </Form.Item>
        <Form.Item
          label={t('form.burst')}
          htmlFor={`${id}-burst`}
          tooltip={t('form.burstHint')}
          {...itemStatus(errorsUnder('burst'))}
        >
          <InputNumber
            id={`${id}-burst`}
            value={draft.burst}
            onChange={(v) => set('burst', typeof v === 'number' ? v : null)}
          />
        </Form.Item>
      </Flex>
      <Form.Item label={t('form.scope')} {...itemStatus(errorsUnder('scope'))}>
        <Radio.Group
          aria-label={t('form.scope')}
          value={draft.scope}
          onChange={(e) => set('scope', e.target.value as RateScope)}
          options={[
            { value: 'instance', label: t('form.scopeInstance') },
            { value: 'global', label: t('form.scopeGlobal') },
          ]}
        />
      </Form.Item>
      {draft.requests !== null && draft.requests > 0 ? (
        <Alert
          type="info"
          showIcon
          role="note"
          style={{ marginBottom: 16 }}
          title={
            draft.scope === 'instance'
              ? t('form.effective', {
                  total: effectiveTotal(
                    { scope: 'instance', limit: { requests: draft.requests, unit: draft.unit } },
                    readyInstances,
                  ),
                  requests: draft.requests,
                  instances: readyInstances,
                  unit: unitText,
                })
              : t('form.effectiveGlobal', { requests: draft.requests, unit: unitText })
          }
        />
      ) : null}
      <Flex gap={8} wrap>
        <Form.Item
          label={t('form.status')}
          htmlFor={`${id}-status`}
          {...itemStatus(errorsUnder('response.status'))}
        >
          <InputNumber
            id={`${id}-status`}
            value={draft.status}
            onChange={(v) => set('status', typeof v === 'number' ? v : null)}
          />
        </Form.Item>
        <Form.Item
          label={t('form.responseHeaderName')}
          htmlFor={`${id}-rhname`}
          {...itemStatus([...errorsAt('response.header'), ...errorsUnder('response.header.name')])}
        >
          <Input
            id={`${id}-rhname`}
            value={draft.responseHeaderName}
            onChange={(e) => set('responseHeaderName', e.target.value)}
          />
        </Form.Item>
        <Form.Item
          label={t('form.responseHeaderValue')}
          htmlFor={`${id}-rhvalue`}
          {...itemStatus(errorsUnder('response.header.value'))}
        >
          <Input
            id={`${id}-rhvalue`}
            value={draft.responseHeaderValue}
            onChange={(e) => set('responseHeaderValue', e.target.value)}
          />
        </Form.Item>
      </Flex>
      <Flex gap={24} wrap>
        <Form.Item
          label={t('form.enabled')}
          htmlFor={`${id}-enabled`}
          {...itemStatus(errorsUnder('enabled'))}
        >
          <Switch id={`${id}-enabled`} checked={draft.enabled} onChange={(v) => set('enabled', v)} />
        </Form.Item>
        <Form.Item
          label={t('form.shadow')}
          htmlFor={`${id}-shadow`}
          tooltip={t('form.shadowHint')}
          {...itemStatus(errorsUnder('shadow'))}
        >
          <Switch id={`${id}-shadow`} checked={draft.shadow} onChange={(v) => set('shadow', v)} />
        </Form.Item>
      </Flex>
      <Form.Item label={t('form.comment')} htmlFor={`${id}-comment`} {...itemStatus(errorsUnder('comment'))}>
        <Input.TextArea
          id={`${id}-comment`}
          value={draft.comment}
          maxLength={COMMENT_MAX_LENGTH}
          placeholder={t('form.commentPlaceholder')}
          onChange={(e) => set('comment', e.target.value)}
        />
      </Form.Item>
    </Form>
  );
}
