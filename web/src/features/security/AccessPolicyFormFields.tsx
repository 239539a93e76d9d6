import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Flex, Form, Input, Radio, Select, Switch, Typography } from 'antd';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import type { FieldFeedback } from '../rules/feedback';
import { itemStatus } from '../rules/feedback';
import type { AccessDraft, ConditionDraft, RuleDraft } from './accessDraft';
import { newRuleDraft } from './accessDraft';
import type { AccessAction, CallerVerdict } from './contract';

const ACTIONS: readonly AccessAction[] = ['ALLOW', 'DENY', 'AUDIT'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const fieldsetStyle = { border: 0, padding: 0, margin: 0, minWidth: 0 } as const;
const ruleStyle = {
  border: '1px solid rgba(5, 5, 5, 0.1)',
  borderRadius: 8,
  padding: 12,
  margin: 0,
  minWidth: 0,
};

const unique = (values: (string | null)[]) =>
  [...new Set(values.filter((v): v is string => v !== null && v !== ''))].sort();

export interface AccessPolicyFormFieldsProps {
  draft: AccessDraft;
  /** Changes the draft; `path` is the contract path the operator was at (its problems show). */
  onChange: (update: (draft: AccessDraft) => AccessDraft, path: string) => void;
  /** The callers seen: suggestions for the sources. */
  callers: readonly CallerVerdict[];
  editing: boolean;
  feedback: FieldFeedback;
}

/**
 * The access-policy form: name, action, rules (each: sources, operations, conditions), dry run.
 * Each rule is a group named "Rule n", so its fields keep short names ("Namespaces") inside it.
 */
export function AccessPolicyFormFields({
  draft,
  onChange,
  callers,
  editing,
  feedback,
}: AccessPolicyFormFieldsProps) {
  const { t } = useTranslation('security');
  const id = useId();
  const { errorsUnder } = feedback;
  const namespaceOptions = unique(callers.map((c) => c.caller.namespace)).map((v) => ({
    value: v,
    label: v,
  }));
  const principalOptions = unique(callers.map((c) => c.caller.principal)).map((v) => ({
    value: v,
    label: v,
  }));

  const setRule = (index: number, path: string, update: (rule: RuleDraft) => RuleDraft) =>
    onChange(
      (d) => ({ ...d, rules: d.rules.map((r, i) => (i === index ? update(r) : r)) }),
      `rules.${index}.${path}`,
    );
  const setCondition = (index: number, at: number, update: (condition: ConditionDraft) => ConditionDraft) =>
    setRule(index, `when.${at}`, (r) => ({
      ...r,
      conditions: r.conditions.map((c, j) => (j === at ? update(c) : c)),
    }));

  const tags = (
    label: string,
    inputId: string,
    path: string,
    value: string[],
    onValues: (values: string[]) => void,
    options: { value: string; label: string }[] = [],
  ) => (
    <Form.Item
      label={label}
      htmlFor={inputId}
      style={{ flex: 1, minWidth: 200 }}
      {...itemStatus(errorsUnder(path))}
    >
      <Select
        id={inputId}
        mode="tags"
        value={value}
        options={options}
        tokenSeparators={[',', ' ']}
        onChange={(values: string[]) => onValues(values)}
      />
    </Form.Item>
  );

  return (
    <Form layout="vertical" component="div">
      <Form.Item label={t('accessForm.name')} htmlFor={`${id}-name`} {...itemStatus(errorsUnder('name'))}>
        <Input
          id={`${id}-name`}
          value={draft.name}
          disabled={editing}
          placeholder={t('accessForm.namePlaceholder')}
          onChange={(e) => onChange((d) => ({ ...d, name: e.target.value }), 'name')}
        />
      </Form.Item>
      <Form.Item label={t('accessForm.action')} {...itemStatus(errorsUnder('action'))}>
        <Radio.Group
          aria-label={t('accessForm.action')}
          value={draft.action}
          onChange={(e) => onChange((d) => ({ ...d, action: e.target.value as AccessAction }), 'action')}
          options={ACTIONS.map((a) => ({ value: a, label: a }))}
        />
      </Form.Item>
      <fieldset style={fieldsetStyle} aria-describedby={`${id}-ruleshint`}>
        <legend style={{ fontSize: 14, marginBottom: 4 }}>{t('accessForm.rules')}</legend>
        <Typography.Paragraph type="secondary" id={`${id}-ruleshint`} style={{ marginBottom: 8 }}>
          {t('accessForm.rulesHint')}
        </Typography.Paragraph>
        {errorsUnder('rules').length > 0 && draft.rules.length === 0 ? (
          <Typography.Text type="danger">{errorsUnder('rules').join(' ')}</Typography.Text>
        ) : null}
        <Flex vertical gap={12}>
          {draft.rules.map((rule, index) => {
            const n = index + 1;
            const rid = `${id}-r${rule.id}`;
            return (
              <fieldset key={rule.id} style={ruleStyle}>
                <legend style={{ fontSize: 14, padding: '0 4px', width: 'auto', marginBottom: 0 }}>
                  {t('accessForm.rule', { index: n })}
                </legend>
                <Flex justify="end">
                  <Button
                    size="small"
                    icon={<DeleteOutlined aria-hidden />}
                    aria-label={t('accessForm.removeRule', { index: n })}
                    onClick={() =>
                      onChange((d) => ({ ...d, rules: d.rules.filter((r) => r.id !== rule.id) }), 'rules')
                    }
                  />
                </Flex>
                {(rule.base.from?.length ?? 0) > 1 || (rule.base.to?.length ?? 0) > 1 ? (
                  <Typography.Paragraph type="secondary" role="note">
                    {t('accessForm.moreKept', {
                      sources: Math.max((rule.base.from?.length ?? 0) - 1, 0),
                      operations: Math.max((rule.base.to?.length ?? 0) - 1, 0),
                    })}
                  </Typography.Paragraph>
                ) : null}
                <Typography.Text strong>{t('accessForm.sources')}</Typography.Text>
                <Flex gap={8} wrap>
                  {tags(
                    t('accessForm.namespaces'),
                    `${rid}-ns`,
                    `rules.${index}.from.0.namespaces`,
                    rule.namespaces,
                    (v) => setRule(index, 'from', (r) => ({ ...r, namespaces: v })),
                    namespaceOptions,
                  )}
                  {tags(
                    t('accessForm.principals'),
                    `${rid}-pr`,
                    `rules.${index}.from.0.principals`,
                    rule.principals,
                    (v) => setRule(index, 'from', (r) => ({ ...r, principals: v })),
                    principalOptions,
                  )}
                </Flex>
                <Typography.Text strong>{t('accessForm.operations')}</Typography.Text>
                <Flex gap={8} wrap>
                  {tags(
                    t('accessForm.methods'),
                    `${rid}-me`,
                    `rules.${index}.to.0.methods`,
                    rule.methods,
                    (v) => setRule(index, 'to', (r) => ({ ...r, methods: v })),
                    METHODS.map((m) => ({ value: m, label: m })),
                  )}
                  {tags(t('accessForm.paths'), `${rid}-pa`, `rules.${index}.to.0.paths`, rule.paths, (v) =>
                    setRule(index, 'to', (r) => ({ ...r, paths: v })),
                  )}
                  {tags(t('accessForm.ports'), `${rid}-po`, `rules.${index}.to.0.ports`, rule.ports, (v) =>
                    setRule(index, 'to', (r) => ({ ...r, ports: v })),
                  )}
                </Flex>
                <Typography.Text strong>{t('accessForm.conditions')}</Typography.Text>
                {rule.conditions.map((condition, at) => {
                  const c = at + 1;
                  const cid = `${rid}-c${at}`;
                  return (
                    <Flex key={at} gap={8} align="start" wrap>
                      <Form.Item
                        label={t('accessForm.conditionKey', { condition: c })}
                        htmlFor={`${cid}-key`}
                        style={{ flex: 1, minWidth: 180 }}
                        {...itemStatus(errorsUnder(`rules.${index}.when.${at}.key`))}
                      >
                        <Input
                          id={`${cid}-key`}
                          value={condition.key}
                          placeholder="request.headers[x-user]"
                          onChange={(e) => setCondition(index, at, (x) => ({ ...x, key: e.target.value }))}
                        />
                      </Form.Item>
                      {tags(
                        t('accessForm.conditionValues', { condition: c }),
                        `${cid}-values`,
                        `rules.${index}.when.${at}.values`,
                        condition.values,
                        (v) => setCondition(index, at, (x) => ({ ...x, values: v })),
                      )}
                      <Button
                        style={{ marginTop: 30 }}
                        icon={<DeleteOutlined aria-hidden />}
                        aria-label={t('accessForm.removeCondition', { condition: c })}
                        onClick={() =>
                          setRule(index, 'when', (r) => ({
                            ...r,
                            conditions: r.conditions.filter((_, j) => j !== at),
                          }))
                        }
                      />
                    </Flex>
                  );
                })}
                <div>
                  <Button
                    size="small"
                    icon={<PlusOutlined aria-hidden />}
                    onClick={() =>
                      setRule(index, 'when', (r) => ({
                        ...r,
                        conditions: [...r.conditions, { key: '', values: [], kept: {} }],
                      }))
                    }
                  >
                    {t('accessForm.addCondition')}
                  </Button>
                </div>
              </fieldset>
            );
          })}
          <div>
            <Button
              icon={<PlusOutlined aria-hidden />}
              onClick={() => onChange((d) => ({ ...d, rules: [...d.rules, newRuleDraft()] }), 'rules')}
            >
              {t('accessForm.addRule')}
            </Button>
          </div>
        </Flex>
      </fieldset>
      <Form.Item
        style={{ marginTop: 16 }}
        label={t('accessForm.dryRun')}
        htmlFor={`${id}-dryrun`}
        tooltip={t('accessForm.dryRunHint')}
        {...itemStatus(errorsUnder('dryRun'))}
      >
        <Switch
          id={`${id}-dryrun`}
          checked={draft.dryRun}
          onChange={(v) => onChange((d) => ({ ...d, dryRun: v }), 'dryRun')}
        />
      </Form.Item>
      <Form.Item
        label={t('accessForm.comment')}
        htmlFor={`${id}-comment`}
        {...itemStatus(errorsUnder('comment'))}
      >
        <Input.TextArea
          id={`${id}-comment`}
          value={draft.comment}
          maxLength={COMMENT_MAX_LENGTH}
          onChange={(e) => onChange((d) => ({ ...d, comment: e.target.value }), 'comment')}
        />
      </Form.Item>
    </Form>
  );
}
