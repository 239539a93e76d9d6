import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Statistic, Typography, theme } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { QueryStates } from '../../components/QueryStates';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import type { IstioConfigItem, IstioConfigList } from './contract';
import { IstioConfigFilters } from './IstioConfigFilters';
import { IstioConfigTable, itemKey } from './IstioConfigTable';
import { filtersFrom, hasFilters, istioConfigQuery, withFilters } from './queries';
import type { IstioConfigFilters as Filters } from './queries';
import { YamlDrawer } from './YamlDrawer';

/** The object whose YAML is open, kept in the address too (`?yaml=<kind>/<namespace>/<name>`). */
const YAML_PARAM = 'yaml';

function Summary({ summary }: { summary: IstioConfigList['summary'] }) {
  const { t } = useTranslation('istioConfig');
  const { token } = theme.useToken();
  const figure = (title: string, value: number, color?: string) => (
    <Statistic title={title} value={value} styles={color && value > 0 ? { content: { color } } : {}} />
  );
  return (
    <section aria-label={t('summary.label')}>
      <Flex gap={48} wrap>
        {figure(t('summary.objects'), summary.objects)}
        {figure(t('summary.errors'), summary.errors, token.colorError)}
        {figure(t('summary.warnings'), summary.warnings, token.colorWarningText)}
      </Flex>
    </section>
  );
}

/**
 * /istio-config: every routing object of the mesh (VirtualService, DestinationRule, Gateway,
 * ServiceEntry, EnvoyFilter), whoever wrote it, with the BFF's checks on each, filtered in the
 * address so that a link shows the same view.
 */
export function IstioConfigPage() {
  const { t } = useTranslation('istioConfig');
  useDocumentTitle(t('title'));
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const filtered = hasFilters(filters);
  const query = useQuery(istioConfigQuery(filters));
  // The namespaces and services to choose from are those of the whole mesh: the same request as the
  // list's when nothing is filtered, so it is made once then.
  const all = useQuery(istioConfigQuery({}));

  // Replace, not push: choosing filters should not fill the back button's history.
  const handleFilters = (next: Partial<Filters>) =>
    setParams((current) => withFilters(current, next), { replace: true });
  const openYaml = (item: IstioConfigItem | undefined) =>
    setParams(
      (current) => {
        const out = new URLSearchParams(current);
        if (item) out.set(YAML_PARAM, itemKey(item));
        else out.delete(YAML_PARAM);
        return out;
      },
      { replace: true },
    );
  const yamlKey = params.get(YAML_PARAM);
  const yamlItem = yamlKey ? query.data?.items.find((item) => itemKey(item) === yamlKey) : undefined;

  return (
    <Flex vertical gap={16}>
      <div>
        <Typography.Title level={3} style={{ marginBottom: 4 }}>
          {t('title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('description')}</Typography.Text>
      </div>
      <Card>
        <Flex vertical gap={16}>
          <IstioConfigFilters filters={filters} onChange={handleFilters} all={all.data?.items} />
          <QueryStates
            query={query}
            errorTitle={t('loadFailed')}
            empty={filtered ? { title: t('noMatch') } : { title: t('empty'), hint: t('emptyHint') }}
          >
            {(data) => (
              <Flex vertical gap={16}>
                <Summary summary={data.summary} />
                <section aria-label={t('table.label')}>
                  <IstioConfigTable
                    items={data.items}
                    loading={query.isFetching && query.isPlaceholderData}
                    onViewYaml={openYaml}
                  />
                </section>
              </Flex>
            )}
          </QueryStates>
        </Flex>
      </Card>
      <YamlDrawer item={yamlItem} onClose={() => openYaml(undefined)} />
    </Flex>
  );
}
