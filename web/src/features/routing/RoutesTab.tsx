import { PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Flex, Typography } from 'antd';
import { Link } from 'react-router';
import { CLIENT_ERROR_CODES, isApiError } from '../../lib/api';
import type { ServiceDetail } from '../../lib/contract';
import type { RouteRule } from './contract';
import { HistoryDrawer } from '../rules/HistoryDrawer';
import { useTranslation } from 'react-i18next';
import { useContractMessage } from '../../lib/messages/translate';
import { useErrorText } from '../../components/QueryErrorAlert';
import { routeListQuery, useDeleteRoute } from './queries';
import { RouteEditorDrawer } from './RouteEditorDrawer';
import type { EditorTarget } from './RouteEditorDrawer';
import { RoutesTable } from './RoutesTable';
import { MergedSubsets } from './MergedSubsets';
import { RouteApiNote } from './RouteApiNote';
import { serviceMetricsQuery } from '../monitoring/queries';
import { useCan } from '../auth/session';
import { QueryStates } from '../../components/QueryStates';
import { useOpened } from '../rules/useOpened';
import { ReleasesSection } from '../releases/ReleasesSection';

/** The service's Routes tab (服务路由): its routing rules, added and edited through the form. */
export function RoutesTab({ service }: { service: ServiceDetail }) {
  const { t } = useTranslation('routing');
  const contractText = useContractMessage();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const query = useQuery(routeListQuery(service.id));
  const remove = useDeleteRoute(service.id);
  const editor = useOpened<EditorTarget>();
  const history = useOpened<string>();
  // Viewers, and operators outside the service's namespace, read the rules without the controls
  // that change them, and are told why.
  const can = useCan('changeRoutes', service);
  const readOnly = can.allowed ? undefined : can.reason;

  const handleDelete = async (rule: RouteRule) => {
    try {
      await remove.mutateAsync({ name: rule.name, resourceVersion: rule.resourceVersion });
      void message.success(t('remove.done', { name: rule.name }));
    } catch (err) {
      const text =
        isApiError(err) && err.code !== CLIENT_ERROR_CODES.network ? errorText(err) : t('form.saveFailed');
      void message.error(t('remove.failed', { name: rule.name, message: text }));
    }
  };

  // A rule that affects the service but lives elsewhere (another namespace, a wildcard host, a
  // delegate) opens read-only: it is changed where it lives, as its reasons say.
  const readOnlyScope = (target: EditorTarget) =>
    target.mode === 'edit' && !target.rule.scope.editable ? t('scope.readOnly') : undefined;

  const addButton = readOnly ? null : (
    <Button
      type="primary"
      icon={<PlusOutlined aria-hidden />}
      onClick={() => editor.show({ mode: 'create' })}
    >
      {t('tab.add')}
    </Button>
  );

  // What the mesh does now, beside what the rules say: the split observed over the last rate
  // interval. Without telemetry the column says so instead of guessing.
  const observed = useQuery({
    ...serviceMetricsQuery(service.id, '5m'),
    refetchInterval: 5000,
    retry: false,
  });

  const body = (
    <QueryStates
      query={query}
      errorTitle={t('tab.loadFailed')}
      empty={{ title: t('tab.empty'), hint: t('tab.emptyHint') }}
    >
      {(data) => (
        <section aria-label={t('table.label')}>
          <RoutesTable
            rules={data.items}
            observed={observed.data?.split}
            application={service.application}
            namespace={service.namespace}
            loading={query.isFetching && !query.isPending}
            deleting={remove.isPending ? remove.variables?.name : undefined}
            readOnly={readOnly !== undefined}
            onEdit={(rule) => editor.show({ mode: 'edit', rule })}
            onHistory={(rule) => history.show(rule.name)}
            onDelete={(rule) => void handleDelete(rule)}
          />
        </section>
      )}
    </QueryStates>
  );

  return (
    <Flex vertical gap={12}>
      <Flex justify="space-between" align="center" gap={12} wrap>
        <Typography.Text type="secondary">
          {t('tab.description')} {/* The mesh-wide checks of every object that applies to this service. */}
          {/* Underlined: a link inside text must not be told apart by its colour alone. */}
          <Link
            to={`/istio-config?service=${encodeURIComponent(service.id)}`}
            style={{ textDecoration: 'underline' }}
          >
            {t('tab.istioConfig')}
          </Link>
        </Typography.Text>
        {addButton}
      </Flex>
      {readOnly ? <Alert type="info" showIcon title={readOnly} role="note" /> : null}
      {query.data?.routeApi ? <RouteApiNote choice={query.data.routeApi} label={t('api.label')} /> : null}
      {query.data && query.data.warnings.length > 0 ? (
        <Flex vertical gap={8} role="group" aria-label={t('tab.warnings')}>
          {query.data.warnings.map((w, i) => (
            <Alert key={`${w.code}-${i}`} type="warning" showIcon title={contractText(w.message)} />
          ))}
        </Flex>
      ) : null}
      {body}
      {query.data?.merged && query.data.merged.subsets.length + query.data.merged.ignored.length > 0 ? (
        <MergedSubsets merged={query.data.merged} namespace={service.namespace} />
      ) : null}
      {/* A release moves the weights of the service's route: shown once the routes are. */}
      {query.data ? <ReleasesSection service={service} /> : null}
      {editor.opened && query.data ? (
        <RouteEditorDrawer
          key={editor.opened.key}
          service={service}
          dialect={query.data.dialect}
          gateways={query.data.gateways}
          routeApi={query.data.routeApi}
          target={editor.opened.value}
          open={editor.opened.open}
          readOnly={readOnly ?? readOnlyScope(editor.opened.value)}
          onClose={editor.hide}
          onClosed={editor.clear}
        />
      ) : null}
      {history.opened ? (
        <HistoryDrawer
          key={history.opened.key}
          serviceId={service.id}
          name={history.opened.value}
          open={history.opened.open}
          readOnly={readOnly}
          resource="routes"
          onClose={history.hide}
          onClosed={history.clear}
        />
      ) : null}
    </Flex>
  );
}
