import { COMMENT_MAX_LENGTH } from '../../../../bff/src/contract/limits';
import { Alert, Col, Flex, Form, Input, Radio, Row, Select, Switch, Tag } from 'antd';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServiceDetail } from '../../lib/contract';
import { isCatchAll } from './contract';
import type { RouteType } from './contract';
import { ConditionsEditor } from './ConditionsEditor';
import type { RouteDraft } from './draft';
import { withRouteType, withTrafficSplit } from './draft';
import type { FieldFeedback } from '../rules/feedback';
import { itemStatus } from '../rules/feedback';
import type { DraftCheck } from './validation';
import type { VersionOption } from './WeightsEditor';
import { WeightsEditor } from './WeightsEditor';
import { contractMessage } from '../../../../bff/src/contract/messages';
import { useContractMessage } from '../../lib/messages/translate';
import { MESH, gatewayChoices, isGatewayOnly, resolveGateway } from './gateways';
import type { RouteApiMode } from './match-offer';
import { matchOffer } from './match-offer';

/** What the Gateways field offers (Istio's VirtualServices only; the RPC dialects have none). */
export interface GatewaysContext {
  /** Every Gateway of the mesh, as `namespace/name`. */
  known: string[];
  /** Where the rule lives: a bare gateway name is one of this namespace. */
  ruleNamespace: string;
  /** The rule's own gateways as written (offered even when the operator deselects them). */
  written: string[];
}

export interface RouteFormFieldsProps {
  draft: RouteDraft;
  onChange: (draft: RouteDraft) => void;
  service: ServiceDetail;
  versions: VersionOption[];
  /** Editing an existing rule: its name is fixed. */
  editing: boolean;
  check: DraftCheck;
  feedback: FieldFeedback;
  /** The Gateways field's choices; null hides the field (rules that are not VirtualServices). */
  gateways: GatewaysContext | null;
  /** An existing rule's hosts as written, shown (and kept) beside where it applies. */
  hosts?: string[] | undefined;
  /** The API and kind the rule is written as (VirtualService unless told otherwise). */
  mode?: RouteApiMode;
  /** Why the rule is written with this API, when the BFF said (shown beside it). */
  modeReason?: string | undefined;
  /**
   * A Gateway API rule's gateways (its parentRefs), shown read-only: the form does not edit them,
   * and the BFF keeps them.
   */
  parentGateways?: string[] | undefined;
}

const ISTIO: RouteApiMode = { api: 'istio', kind: 'VirtualService' };

/** The routing form of the talk: name, the service, route type, traffic split, version weights. */
export function RouteFormFields({
  draft,
  onChange,
  service,
  versions,
  editing,
  check,
  feedback,
  gateways,
  hosts,
  mode = ISTIO,
  modeReason,
  parentGateways,
}: RouteFormFieldsProps) {
  const { t } = useTranslation(['routing', 'common']);
  const contractText = useContractMessage();
  const gatewayApi = mode.api === 'gateway-api';
  const ids = {
    name: useId(),
    split: useId(),
    single: useId(),
    comment: useId(),
    gateways: useId(),
    tcp: useId(),
  };
  const tcp = draft.transport === 'tcp';
  const set = (patch: Partial<RouteDraft>) => onChange({ ...draft, ...patch });

  const singleErrors = [...feedback.errorsAt('destinations'), ...feedback.errorsAt('destinations.0.version')];

  return (
    <Form layout="vertical" component="div" requiredMark>
      <Form.Item
        label={t('form.name')}
        htmlFor={ids.name}
        required
        {...itemStatus(feedback.errorsAt('name'))}
      >
        <Input
          id={ids.name}
          aria-label={t('form.name')}
          value={draft.name}
          disabled={editing}
          placeholder={t('form.namePlaceholder')}
          maxLength={63}
          autoComplete="off"
          onChange={(e) => {
            set({ name: e.target.value });
            feedback.touch('name');
          }}
          onBlur={() => feedback.touch('name')}
        />
      </Form.Item>
      <Form.Item label={t('form.service')}>
        <Input aria-label={t('form.service')} value={service.id} readOnly variant="filled" />
      </Form.Item>
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <Form.Item label={t('form.application')}>
            <Input aria-label={t('form.application')} value={service.application} readOnly variant="filled" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item label={t('form.serviceType')}>
            <Input
              aria-label={t('form.serviceType')}
              value={t(`common:protocol.${service.protocol}`)}
              readOnly
              variant="filled"
            />
          </Form.Item>
        </Col>
      </Row>
      {gatewayApi || modeReason !== undefined ? (
        <Form.Item
          label={t('form.routeApi')}
          extra={modeReason === undefined ? null : contractText(modeReason)}
        >
          <Input
            aria-label={t('form.routeApi')}
            value={t('api.kindOf', { kind: mode.kind, api: t(`api.name.${mode.api}`) })}
            readOnly
            variant="filled"
          />
        </Form.Item>
      ) : null}
      {hosts && hosts.length > 0 ? (
        <Form.Item label={t('form.hosts')} extra={t('form.hostsKept')}>
          <Input aria-label={t('form.hosts')} value={hosts.join(', ')} readOnly variant="filled" />
        </Form.Item>
      ) : null}
      {gatewayApi && parentGateways && parentGateways.length > 0 ? (
        <Form.Item label={t('form.parentGateways')} extra={t('form.parentGatewaysKept')}>
          <Input
            aria-label={t('form.parentGateways')}
            value={parentGateways.join(', ')}
            readOnly
            variant="filled"
          />
        </Form.Item>
      ) : null}
      {gateways && !gatewayApi ? (
        <GatewaysField
          id={ids.gateways}
          selected={draft.gateways}
          context={gateways}
          errors={feedback.errorsUnder('gateways')}
          onChange={(selected) => {
            set({ gateways: selected });
            feedback.touch('gateways');
          }}
        />
      ) : null}
      <Form.Item
        label={
          <Flex gap={6} align="center">
            {t('form.routeType')}
            {tcp ? <Tag color="purple">{t('form.tcp')}</Tag> : null}
          </Flex>
        }
        tooltip={t('form.routeTypeHelp')}
        required
        extra={tcp ? <span id={ids.tcp}>{t('form.tcpNote')}</span> : null}
        {...itemStatus(feedback.errorsAt('routeType'))}
      >
        <Radio.Group
          aria-label={t('form.routeType')}
          aria-describedby={tcp ? ids.tcp : undefined}
          value={draft.routeType}
          options={[
            { value: 'version', label: t('routeType.version') },
            { value: 'condition', label: t('routeType.condition'), disabled: tcp },
          ]}
          onChange={(e) => onChange(withRouteType(draft, e.target.value as RouteType))}
        />
      </Form.Item>
      <Form.Item
        label={t('form.trafficSplit')}
        htmlFor={ids.split}
        tooltip={t('form.trafficSplitHelp')}
        required
      >
        <Switch
          id={ids.split}
          aria-label={t('form.trafficSplit')}
          checked={draft.trafficSplit}
          onChange={(on) => onChange(withTrafficSplit(draft, on))}
        />
      </Form.Item>
      <VersionLabelNote service={service} />
      {gatewayApi ? (
        <Alert
          type="info"
          showIcon
          role="note"
          title={t('form.relativeWeights')}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      {draft.trafficSplit ? (
        <Form.Item
          label={t('form.weights')}
          required
          extra={draft.routeType === 'condition' ? t('form.defaultWeightsHint') : null}
        >
          <WeightsEditor
            rows={draft.rows}
            onChange={(rows) => set({ rows })}
            versions={versions}
            path="destinations"
            label={t('form.weights')}
            feedback={feedback}
          />
        </Form.Item>
      ) : (
        <Form.Item
          label={t('form.singleVersion')}
          htmlFor={ids.single}
          required
          extra={draft.routeType === 'condition' ? t('form.defaultWeightsHint') : null}
          {...itemStatus(singleErrors)}
        >
          <Select<string>
            id={ids.single}
            aria-label={t('form.singleVersion')}
            placeholder={t('weights.placeholder')}
            value={draft.single}
            virtual={false}
            options={versions.map((v) => ({
              value: v.version,
              label: v.ready > 0 ? v.version : `${v.version} (${t('weights.noReady')})`,
            }))}
            onChange={(single) => {
              set({ single });
              feedback.touch('destinations');
            }}
          />
        </Form.Item>
      )}
      {draft.routeType === 'condition' ? (
        <ConditionsEditor
          conditions={draft.conditions}
          onChange={(conditions) => set({ conditions })}
          versions={versions}
          offer={matchOffer(service.protocol, mode)}
          unreachable={check.unreachable}
          catchAll={check.form.matches.map((m) => isCatchAll(m.match))}
          defaultRows={draft.rows}
          feedback={feedback}
        />
      ) : null}
      <Form.Item
        label={t('form.comment')}
        htmlFor={ids.comment}
        style={{ marginTop: 16 }}
        {...itemStatus(feedback.errorsAt('comment'))}
      >
        <Input.TextArea
          id={ids.comment}
          aria-label={t('form.comment')}
          value={draft.comment}
          placeholder={t('form.commentPlaceholder')}
          autoSize={{ minRows: 1, maxRows: 4 }}
          maxLength={COMMENT_MAX_LENGTH}
          onChange={(e) => set({ comment: e.target.value })}
        />
      </Form.Item>
    </Form>
  );
}

interface GatewaysFieldProps {
  id: string;
  selected: string[];
  context: GatewaysContext;
  errors: readonly string[];
  onChange: (selected: string[]) => void;
}

/**
 * Where the rule applies: the mesh (calls between services, at their sidecars) and/or gateways.
 * Nothing chosen is the mesh only. A rule bound to gateways alone does not route in-mesh calls,
 * and the form says so rather than present it as mesh routing.
 */
function GatewaysField({ id, selected, context, errors, onChange }: GatewaysFieldProps) {
  const { t } = useTranslation('routing');
  const contractText = useContractMessage();
  const choices = gatewayChoices([...context.written, ...selected], context.known, context.ruleNamespace);
  const labelOf = (resolved: string, missing: boolean) =>
    resolved === MESH
      ? t('form.gatewayMesh')
      : missing
        ? t('form.gatewayMissing', { gateway: resolved })
        : resolved;
  const names = selected.map((g) => resolveGateway(g, context.ruleNamespace)).join(', ');
  const missing = choices.filter((c) => c.missing && selected.includes(c.value));
  return (
    <>
      <Form.Item
        label={t('form.gateways')}
        htmlFor={id}
        tooltip={t('form.gatewaysHelp')}
        {...itemStatus(errors)}
      >
        <Select<string[]>
          id={id}
          mode="multiple"
          aria-label={t('form.gateways')}
          placeholder={t('form.gatewaysPlaceholder')}
          value={selected}
          virtual={false}
          options={choices.map((c) => ({ value: c.value, label: labelOf(c.resolved, c.missing) }))}
          onChange={onChange}
        />
      </Form.Item>
      {missing.length > 0 ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={missing
            .map((c) => contractText(contractMessage('routing.gatewayUnknown', { gateway: c.resolved })))
            .join(' ')}
        />
      ) : null}
      {isGatewayOnly(selected) ? (
        <Alert
          type="info"
          showIcon
          role="note"
          style={{ marginBottom: 16 }}
          title={contractText(contractMessage('routing.gatewayOnly', { gateways: names }))}
        />
      ) : null}
    </>
  );
}

/** Labels that name a rollout (a ReplicaSet's or a StatefulSet's pods), not a release. */
const ROLLOUT_LABELS = new Set(['pod-template-hash', 'controller-revision-hash']);

/**
 * What a version will select, when it is not the `version` label: another version label, or, for
 * instances without one, the rollout they belong to.
 */
function VersionLabelNote({ service }: { service: ServiceDetail }) {
  const { t } = useTranslation('routing');
  const label = service.versionDetails.map((v) => v.label).find((l) => l && l !== 'version');
  if (!label) return null;
  const text = ROLLOUT_LABELS.has(label)
    ? t('form.rolloutVersions', { label })
    : t('form.versionLabel', { label });
  return <Alert type="info" showIcon role="note" title={text} style={{ marginBottom: 16 }} />;
}
