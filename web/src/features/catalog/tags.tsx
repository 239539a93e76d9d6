import { ClusterOutlined, DesktopOutlined, WarningOutlined } from '@ant-design/icons';
import { Flex, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Platform, Protocol, ServiceSummary } from '../../lib/contract';

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
