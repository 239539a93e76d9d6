import { ClusterOutlined, DesktopOutlined, WarningOutlined } from '@ant-design/icons';
import { Flex, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type {
  DataPlaneMode,
  Platform,
  Protocol,
  ServiceDataPlane,
  ServiceSummary,
  WaypointRef,
} from '../../lib/contract';

/** Every protocol the contract knows, in the order the filter lists them. */
export const PROTOCOLS = [
  'dubbo',
  'sofarpc',
  'springcloud',
  'http',
  'http2',
  'grpc',
  'tcp',
] as const satisfies readonly Protocol[];

const PROTOCOL_COLORS: Record<Protocol, string> = {
  dubbo: 'orange',
  sofarpc: 'blue',
  springcloud: 'green',
  http: 'cyan',
  http2: 'geekblue',
  grpc: 'purple',
  tcp: 'default',
};

export function useProtocolLabel(): (protocol: Protocol) => string {
  const { t } = useTranslation(['catalog', 'common']);
  return (protocol) => t(`common:protocol.${protocol}`);
}

export function ProtocolTag({ protocol }: { protocol: Protocol }) {
  const label = useProtocolLabel();
  return <Tag color={PROTOCOL_COLORS[protocol]}>{label(protocol)}</Tag>;
}

export function PlatformTag({ platform }: { platform: Platform }) {
  const { t } = useTranslation(['catalog', 'common']);
  return platform === 'kubernetes' ? (
    <Tag icon={<ClusterOutlined aria-hidden />} color="blue" variant="outlined">
      {t('common:platform.kubernetes')}
    </Tag>
  ) : (
    <Tag icon={<DesktopOutlined aria-hidden />} color="gold" variant="outlined">
      {t('common:platform.vm')}
    </Tag>
  );
}

export function PlatformTags({ platforms }: { platforms: readonly Platform[] }) {
  return (
    <Flex gap={4} wrap>
      {platforms.map((p) => (
        <PlatformTag key={p} platform={p} />
      ))}
    </Flex>
  );
}

export function VersionTags({
  versions,
  maxWidth,
}: {
  versions: readonly (string | null)[];
  maxWidth?: number;
}) {
  const { t } = useTranslation(['catalog', 'common']);
  if (versions.length === 0) return <span aria-hidden>—</span>;
  return (
    <Flex gap={4} wrap style={{ maxWidth }}>
      {versions.map((v) => (
        <Tag key={v ?? ''} variant="filled">
          {v ?? t('common:noVersion')}
        </Tag>
      ))}
    </Flex>
  );
}

/** Platforms as icons, for dense tables; each icon is named for assistive technology. */
export function PlatformIcons({ platforms }: { platforms: readonly Platform[] }) {
  const { t } = useTranslation(['catalog', 'common']);
  return (
    <Flex gap={6} align="center">
      {platforms.map((p) => {
        const label = t(`common:platform.${p}`);
        const Icon = p === 'kubernetes' ? ClusterOutlined : DesktopOutlined;
        return (
          <Tooltip key={p} title={label}>
            <Icon
              role="img"
              aria-label={label}
              style={{ color: p === 'kubernetes' ? '#1677ff' : '#d48806' }}
            />
          </Tooltip>
        );
      })}
    </Flex>
  );
}

/**
 * A service's namespace: its owner, or, for a service ID that several namespaces define, a conflict
 * tag naming them (the service belongs to none of them until the conflict is resolved).
 */
export function ServiceNamespace({ service }: { service: Pick<ServiceSummary, 'namespace' | 'conflict'> }) {
  const { t } = useTranslation(['catalog', 'common']);
  const conflict = service.conflict;
  if (!conflict) return <>{service.namespace}</>;
  const namespaces = conflict.namespaces.join(', ');
  return (
    <Flex gap={4} align="center" wrap>
      <Tooltip title={t('conflict.explanation', { namespaces })}>
        <Tag color="error" icon={<WarningOutlined aria-hidden />}>
          {t('conflict.tag')}
        </Tag>
      </Tooltip>
      <Typography.Text type="secondary">{namespaces}</Typography.Text>
    </Flex>
  );
}

/** Every data plane the contract knows, in the order the filter lists them. */
export const DATA_PLANE_MODES = ['sidecar', 'ambient', 'none'] as const satisfies readonly DataPlaneMode[];

const DATA_PLANE_COLORS: Record<DataPlaneMode, string> = {
  sidecar: 'blue',
  ambient: 'purple',
  none: 'default',
};

/** A workload's data plane: sidecar, ambient, or outside the mesh, explained in a tooltip. */
export function DataPlaneTag({ mode }: { mode: DataPlaneMode }) {
  const { t } = useTranslation('catalog');
  return (
    <Tooltip title={t(`dataPlane.modeHint.${mode}`)}>
      <Tag color={DATA_PLANE_COLORS[mode]}>{t(`dataPlane.mode.${mode}`)}</Tag>
    </Tooltip>
  );
}

/** A warning sign for a waypoint named by a label that has no Gateway; named for assistive technology. */
function MissingWaypointIcon({ waypoint }: { waypoint: WaypointRef }) {
  const { t } = useTranslation('catalog');
  const label = t('dataPlane.waypointMissing', waypoint);
  return (
    <Tooltip title={label}>
      <WarningOutlined role="img" aria-label={label} style={{ color: '#d48806' }} />
    </Tooltip>
  );
}

/**
 * A service's data plane, for the list: a tag per mode of its instances; ambient names the waypoint
 * its traffic goes through (a waypoint without ambient instances gets a tag of its own).
 */
export function ServiceDataPlaneTags({ dataPlane }: { dataPlane: ServiceDataPlane | undefined }) {
  const { t } = useTranslation('catalog');
  const modes = dataPlane?.modes ?? [];
  const waypoint = dataPlane?.waypoint ?? null;
  if (modes.length === 0 && !waypoint)
    return (
      <Tooltip title={t('dataPlane.none')}>
        <Typography.Text type="secondary" role="img" aria-label={t('dataPlane.none')}>
          —
        </Typography.Text>
      </Tooltip>
    );
  const waypointText = waypoint ? t('dataPlane.waypointHint', waypoint) : '';
  const ordered = DATA_PLANE_MODES.filter((m) => modes.includes(m));
  return (
    <Flex gap={4} wrap align="center">
      {ordered.map((mode) =>
        mode === 'ambient' && waypoint ? (
          <Tooltip key={mode} title={waypointText}>
            <Tag color={DATA_PLANE_COLORS.ambient}>
              {t('dataPlane.ambientWithWaypoint', { name: waypoint.name })}
            </Tag>
          </Tooltip>
        ) : (
          <DataPlaneTag key={mode} mode={mode} />
        ),
      )}
      {waypoint && !modes.includes('ambient') ? (
        <Tooltip title={waypointText}>
          <Tag>{t('dataPlane.waypoint', { name: waypoint.name })}</Tag>
        </Tooltip>
      ) : null}
      {waypoint && dataPlane?.waypointMissing ? <MissingWaypointIcon waypoint={waypoint} /> : null}
    </Flex>
  );
}

/** A service's waypoint, for its details: `namespace/name`, or that it has none. */
export function WaypointName({ dataPlane }: { dataPlane: ServiceDataPlane | undefined }) {
  const { t } = useTranslation('catalog');
  const waypoint = dataPlane?.waypoint ?? null;
  if (!waypoint) return <Typography.Text type="secondary">{t('dataPlane.noWaypoint')}</Typography.Text>;
  return (
    <Flex gap={6} align="center">
      <Typography.Text code>{`${waypoint.namespace}/${waypoint.name}`}</Typography.Text>
      {dataPlane?.waypointMissing ? <MissingWaypointIcon waypoint={waypoint} /> : null}
    </Flex>
  );
}
