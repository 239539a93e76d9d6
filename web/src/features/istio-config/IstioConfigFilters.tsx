import { Button, Flex, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { ISTIO_CONFIG_KINDS } from './contract';
import type { ConfigServiceRef, IstioConfigKind, IstioConfigItem } from './contract';
import { SEVERITY_FILTERS, hasFilters } from './queries';
import type { IstioConfigFilters as Filters } from './queries';

export interface IstioConfigFiltersProps {
  filters: Filters;
  onChange: (next: Partial<Filters>) => void;
  /** Every object of the mesh (the unfiltered list), for the namespaces and services to choose from. */
  all: readonly IstioConfigItem[] | undefined;
}

function choices(all: readonly IstioConfigItem[]) {
  const namespaces = [...new Set(all.map((item) => item.ref.namespace))].sort();
  const services = new Map<string, ConfigServiceRef>();
  for (const item of all) for (const s of item.services) services.set(s.id, s);
  const sorted = [...services.values()].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
  return { namespaces, services: sorted };
}

/** Namespace, kind, service and validation; every change goes to the address. */
export function IstioConfigFilters({ filters, onChange, all }: IstioConfigFiltersProps) {
  const { t } = useTranslation('istioConfig');
  const { namespaces, services } = choices(all ?? []);
  return (
    <Flex gap={12} wrap align="center" role="search" aria-label={t('filters.label')}>
      <Select<string>
        aria-label={t('filters.namespace')}
        placeholder={t('filters.allNamespaces')}
        allowClear
        showSearch
        value={filters.namespace}
        onChange={(value) => onChange({ namespace: value })}
        options={namespaces.map((n) => ({ value: n, label: n }))}
        style={{ width: 200 }}
      />
      <Select<IstioConfigKind>
        aria-label={t('filters.kind')}
        placeholder={t('filters.allKinds')}
        allowClear
        value={filters.kind}
        onChange={(value) => onChange({ kind: value })}
        options={ISTIO_CONFIG_KINDS.map((k) => ({ value: k, label: k }))}
        style={{ width: 180 }}
      />
      <Select<string>
        aria-label={t('filters.service')}
        placeholder={t('filters.allServices')}
        allowClear
        showSearch={{ optionFilterProp: 'label' }}
        value={filters.service}
        onChange={(value) => onChange({ service: value })}
        options={services.map((s) => ({ value: s.id, label: `${s.namespace}/${s.name}` }))}
        style={{ width: 320, maxWidth: '100%' }}
      />
      <Select<(typeof SEVERITY_FILTERS)[number]>
        aria-label={t('filters.severity')}
        placeholder={t('filters.anySeverity')}
        allowClear
        value={filters.severity}
        onChange={(value) => onChange({ severity: value })}
        options={SEVERITY_FILTERS.map((s) => ({ value: s, label: t(`filters.severities.${s}`) }))}
        style={{ width: 180 }}
      />
      {hasFilters(filters) ? (
        <Button
          type="link"
          onClick={() =>
            onChange({ namespace: undefined, kind: undefined, service: undefined, severity: undefined })
          }
        >
          {t('filters.clear')}
        </Button>
      ) : null}
    </Flex>
  );
}
