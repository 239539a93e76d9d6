import { SearchOutlined } from '@ant-design/icons';
import { Button, Flex, Input, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { DataPlaneMode, NamespaceDataPlane, Platform, Protocol } from '../../lib/contract';
import { DATA_PLANE_MODES, useProtocolLabel } from './tags';

export interface ServiceFiltersProps {
  search: string;
  onSearchChange: (value: string) => void;
  protocol: Protocol | undefined;
  onProtocolChange: (value: Protocol | undefined) => void;
  namespace: string | undefined;
  onNamespaceChange: (value: string | undefined) => void;
  /** The choices, from the list response's facets. */
  protocols: readonly Protocol[];
  namespaces: readonly string[];
  /** Kubernetes or VM (absent: both). */
  platform?: Platform | undefined;
  onPlatformChange?: (value: Platform | undefined) => void;
  /** Sidecar, ambient or outside the mesh (absent: all). */
  dataPlane?: DataPlaneMode | undefined;
  onDataPlaneChange?: (value: DataPlaneMode | undefined) => void;
  /** Each namespace's data plane, shown beside its name in the namespace filter. */
  namespaceDataPlanes?: readonly NamespaceDataPlane[];
  onClear?: () => void;
}

export function ServiceFilters(props: ServiceFiltersProps) {
  const { t } = useTranslation(['catalog', 'common']);
  const protocolLabel = useProtocolLabel();
  const filtered = Boolean(
    props.search || props.protocol || props.namespace || props.platform || props.dataPlane,
  );
  const modeOf = new Map((props.namespaceDataPlanes ?? []).map((n) => [n.name, n.dataPlane]));
  const namespaceLabel = (n: string) => {
    const mode = modeOf.get(n);
    return mode ? t('dataPlane.namespaceOption', { namespace: n, mode: t(`dataPlane.mode.${mode}`) }) : n;
  };
  return (
    <Flex gap={12} wrap align="center">
      <Input
        aria-label={t('list.search')}
        placeholder={t('list.searchPlaceholder')}
        prefix={<SearchOutlined aria-hidden />}
        allowClear
        value={props.search}
        onChange={(e) => props.onSearchChange(e.target.value)}
        style={{ width: 360, maxWidth: '100%' }}
      />
      <Select<Protocol>
        aria-label={t('list.protocol')}
        placeholder={t('list.allProtocols')}
        allowClear
        value={props.protocol}
        onChange={(value) => props.onProtocolChange(value ?? undefined)}
        options={props.protocols.map((p) => ({ value: p, label: protocolLabel(p) }))}
        style={{ width: 180 }}
      />
      <Select<string>
        aria-label={t('list.namespace')}
        placeholder={t('list.allNamespaces')}
        allowClear
        showSearch
        value={props.namespace}
        onChange={(value) => props.onNamespaceChange(value ?? undefined)}
        optionFilterProp="label"
        options={props.namespaces.map((n) => ({ value: n, label: namespaceLabel(n) }))}
        style={{ width: 240 }}
      />
      {props.onPlatformChange ? (
        <Select<Platform>
          aria-label={t('list.platform')}
          placeholder={t('list.allPlatforms')}
          allowClear
          value={props.platform}
          onChange={(value) => props.onPlatformChange?.(value ?? undefined)}
          options={(['kubernetes', 'vm'] as const).map((p) => ({
            value: p,
            label: t(`common:platform.${p}`),
          }))}
          style={{ width: 160 }}
        />
      ) : null}
      {props.onDataPlaneChange ? (
        <Select<DataPlaneMode>
          aria-label={t('list.dataPlane')}
          placeholder={t('list.allDataPlanes')}
          allowClear
          value={props.dataPlane}
          onChange={(value) => props.onDataPlaneChange?.(value ?? undefined)}
          options={DATA_PLANE_MODES.map((m) => ({ value: m, label: t(`dataPlane.mode.${m}`) }))}
          style={{ width: 180 }}
        />
      ) : null}
      {filtered && props.onClear ? (
        <Button type="link" onClick={props.onClear}>
          {t('list.clearFilters')}
        </Button>
      ) : null}
    </Flex>
  );
}
