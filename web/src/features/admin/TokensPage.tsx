import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { App, Button, Flex, Popconfirm, Result, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorText } from '../../components/QueryErrorAlert';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import type { ApiToken, Role } from '../auth/contract';
import { useCan } from '../auth/session';
import { CreateTokenModal } from './CreateTokenModal';
import { tokensQuery, useRevokeToken } from './queries';
import { QueryStates } from '../../components/QueryStates';

const ADMIN_TOKEN_USER = 'admin-token';

const ROLE_COLORS: Record<Role, string> = { viewer: 'default', operator: 'blue', admin: 'gold' };

function useFormatTime() {
  const { i18n } = useTranslation(['admin', 'auth', 'common']);
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (iso: string) => {
    const time = new Date(iso);
    return Number.isNaN(time.getTime()) ? iso : format.format(time);
  };
}

function useNamespacesText() {
  const { t } = useTranslation(['admin', 'auth', 'common']);
  return (namespaces: readonly string[]) =>
    namespaces.includes('*') ? t('allNamespaces') : namespaces.join(', ');
}

function RoleTag({ role }: { role: Role }) {
  const { t } = useTranslation(['admin', 'auth', 'common']);
  return <Tag color={ROLE_COLORS[role]}>{t(`auth:roles.${role}`)}</Tag>;
}

function TokensSection() {
  const { t } = useTranslation(['admin', 'auth', 'common']);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const formatTime = useFormatTime();
  const namespacesText = useNamespacesText();
  const query = useQuery(tokensQuery);
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);

  const handleRevoke = async (token: ApiToken) => {
    try {
      await revoke.mutateAsync(token.id);
      void message.success(t('tokens.revoked', { name: token.name }));
    } catch (err) {
      const text = errorText(err);
      void message.error(t('tokens.revokeFailed', { name: token.name, message: text }));
    }
  };

  const columns: TableColumnsType<ApiToken> = [
    {
      key: 'name',
      title: t('tokens.columns.name'),
      render: (_, tk) => <Typography.Text strong>{tk.name}</Typography.Text>,
    },
    { key: 'role', title: t('tokens.columns.role'), render: (_, tk) => <RoleTag role={tk.role} /> },
    {
      key: 'namespaces',
      title: t('tokens.columns.namespaces'),
      render: (_, tk) => namespacesText(tk.namespaces),
    },
    {
      key: 'createdBy',
      title: t('tokens.columns.createdBy'),
      // `admin-token` is the BFF's name for MESH_CONSOLE_ADMIN_TOKEN, not a user.
      render: (_, token) => (token.createdBy === ADMIN_TOKEN_USER ? t('tokens.adminToken') : token.createdBy),
    },
    {
      key: 'createdAt',
      title: t('tokens.columns.createdAt'),
      render: (_, tk) => <time dateTime={tk.createdAt}>{formatTime(tk.createdAt)}</time>,
    },
    {
      key: 'lastUsed',
      title: t('tokens.columns.lastUsed'),
      render: (_, tk) =>
        tk.lastUsedAt ? (
          <time dateTime={tk.lastUsedAt}>{formatTime(tk.lastUsedAt)}</time>
        ) : (
          <Typography.Text type="secondary">{t('tokens.never')}</Typography.Text>
        ),
    },
    {
      key: 'actions',
      title: t('tokens.columns.actions'),
      render: (_, tk) => (
        <Popconfirm
          title={t('tokens.revokeConfirm', { name: tk.name })}
          description={t('tokens.revokeHint')}
          okText={t('tokens.revokeOk')}
          cancelText={t('tokens.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() => handleRevoke(tk)}
        >
          <Button
            type="link"
            size="small"
            danger
            icon={<DeleteOutlined aria-hidden />}
            loading={revoke.isPending && revoke.variables === tk.id}
            aria-label={t('tokens.revokeToken', { name: tk.name })}
          >
            {t('tokens.revoke')}
          </Button>
        </Popconfirm>
      ),
    },
  ];

  const body = (
    <QueryStates
      query={query}
      errorTitle={t('tokens.loadFailed')}
      empty={{ title: t('tokens.empty'), hint: t('tokens.emptyHint') }}
    >
      {(data) => (
        <Table<ApiToken>
          size="small"
          rowKey="id"
          columns={columns}
          dataSource={data.items}
          pagination={false}
        />
      )}
    </QueryStates>
  );

  return (
    <section aria-label={t('tokens.table')}>
      <Flex vertical gap={12}>
        <Flex justify="space-between" align="center" gap={12} wrap>
          <div>
            <Typography.Title level={4} style={{ margin: 0 }}>
              {t('tokens.title')}
            </Typography.Title>
            <Typography.Text type="secondary">{t('tokens.description')}</Typography.Text>
          </div>
          <Button type="primary" icon={<PlusOutlined aria-hidden />} onClick={() => setCreating(true)}>
            {t('tokens.create')}
          </Button>
        </Flex>
        {body}
      </Flex>
      <CreateTokenModal open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

/** /admin/tokens: API tokens (create, revoke); admins only. The users are on /admin/users. */
export function TokensPage() {
  const { t } = useTranslation(['admin', 'auth', 'common']);
  useDocumentTitle(t('title'));
  const can = useCan('admin');
  return (
    <Flex vertical gap={24}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('title')}
      </Typography.Title>
      {can.allowed ? (
        <>
          <TokensSection />
        </>
      ) : (
        <Result status="403" title={t('forbidden')} subTitle={can.reason} />
      )}
    </Flex>
  );
}
