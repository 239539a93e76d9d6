import { DeleteOutlined, EditOutlined, KeyOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Flex, Popconfirm, Result, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryStates } from '../../components/QueryStates';
import { CLIENT_ERROR_CODES, isApiError } from '../../lib/api';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import type { LocalUser, Role } from '../auth/contract';
import { useCan, useSession } from '../auth/session';
import { UserModal } from './UserModals';
import type { UserDialog } from './UserModals';
import { useDeleteUser, usersQuery, useUpdateUser } from './queries';

const ROLE_COLORS: Record<Role, string> = { viewer: 'default', operator: 'blue', admin: 'gold' };

function UserActions({
  user,
  isSelf,
  onDialog,
}: {
  user: LocalUser;
  isSelf: boolean;
  onDialog: (dialog: UserDialog) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const { name } = user;

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      void message.success(done);
    } catch (err) {
      const text =
        isApiError(err) && err.code !== CLIENT_ERROR_CODES.network ? err.message : t('common.networkError');
      void message.error(t('admin.users.failed', { name, message: text }));
    }
  };
  const setDisabled = (disabled: boolean) =>
    run(
      () => update.mutateAsync({ name, change: { disabled } }),
      t(disabled ? 'admin.users.disabledDone' : 'admin.users.enabledDone', { name }),
    );

  const edit = (
    <Button
      type="link"
      size="small"
      icon={<EditOutlined aria-hidden />}
      aria-label={t('admin.users.editUser', { name })}
      onClick={() => onDialog({ kind: 'edit', user })}
    >
      {t('admin.users.edit')}
    </Button>
  );
  // Admins cannot reset, disable or delete themselves (the BFF refuses it too).
  if (isSelf)
    return (
      <Space size={0} wrap>
        {edit}
        <Typography.Text type="secondary">{t('admin.users.selfHint')}</Typography.Text>
      </Space>
    );
  return (
    <Space size={0} wrap>
      {edit}
      <Button
        type="link"
        size="small"
        icon={<KeyOutlined aria-hidden />}
        aria-label={t('admin.users.resetUser', { name })}
        onClick={() => onDialog({ kind: 'reset', user })}
      >
        {t('admin.users.reset')}
      </Button>
      {user.disabled ? (
        <Button
          type="link"
          size="small"
          aria-label={t('admin.users.enableUser', { name })}
          loading={update.isPending}
          onClick={() => void setDisabled(false)}
        >
          {t('admin.users.enable')}
        </Button>
      ) : (
        <Popconfirm
          title={t('admin.users.disableConfirm', { name })}
          description={t('admin.users.disableHint')}
          okText={t('admin.users.disable')}
          cancelText={t('admin.users.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() => setDisabled(true)}
        >
          <Button
            type="link"
            size="small"
            icon={<StopOutlined aria-hidden />}
            aria-label={t('admin.users.disableUser', { name })}
            loading={update.isPending}
          >
            {t('admin.users.disable')}
          </Button>
        </Popconfirm>
      )}
      <Popconfirm
        title={t('admin.users.deleteConfirm', { name })}
        description={t('admin.users.deleteHint')}
        okText={t('admin.users.delete')}
        cancelText={t('admin.users.cancel')}
        okButtonProps={{ danger: true }}
        onConfirm={() => run(() => remove.mutateAsync(name), t('admin.users.deleted', { name }))}
      >
        <Button
          type="link"
          size="small"
          danger
          icon={<DeleteOutlined aria-hidden />}
          aria-label={t('admin.users.deleteUser', { name })}
          loading={remove.isPending}
        >
          {t('admin.users.delete')}
        </Button>
      </Popconfirm>
    </Space>
  );
}

function UsersTable() {
  const { t } = useTranslation();
  const { session, user: me } = useSession();
  const query = useQuery(usersQuery);
  const [dialog, setDialog] = useState<UserDialog>(null);
  const fromProvider = session?.methods.oidc === true && session.methods.local === false;

  const columns: TableColumnsType<LocalUser> = [
    {
      key: 'name',
      title: t('admin.users.columns.name'),
      render: (_, u) => (
        <Space size={4}>
          <Typography.Text strong>{u.name}</Typography.Text>
          {u.name === me?.name ? <Tag>{t('admin.users.you')}</Tag> : null}
        </Space>
      ),
    },
    {
      key: 'role',
      title: t('admin.users.columns.role'),
      render: (_, u) => <Tag color={ROLE_COLORS[u.role]}>{t(`auth.roles.${u.role}`)}</Tag>,
    },
    {
      key: 'namespaces',
      title: t('admin.users.columns.namespaces'),
      render: (_, u) => (u.namespaces.includes('*') ? t('admin.allNamespaces') : u.namespaces.join(', ')),
    },
    {
      key: 'status',
      title: t('admin.users.columns.status'),
      render: (_, u) => (
        <Space size={4} wrap>
          {u.disabled ? (
            <Tag color="red">{t('admin.users.status.disabled')}</Tag>
          ) : (
            <Tag color="green">{t('admin.users.status.enabled')}</Tag>
          )}
          {u.mustChangePassword ? <Tag color="orange">{t('admin.users.status.mustChange')}</Tag> : null}
        </Space>
      ),
    },
    {
      key: 'actions',
      title: t('admin.users.columns.actions'),
      render: (_, u) => <UserActions user={u} isSelf={u.name === me?.name} onDialog={setDialog} />,
    },
  ];

  return (
    <section aria-label={t('admin.users.table')}>
      <Flex vertical gap={12}>
        <Flex justify="space-between" align="center" gap={12} wrap>
          <Typography.Text type="secondary">{t('admin.users.description')}</Typography.Text>
          {fromProvider ? null : (
            <Button
              type="primary"
              icon={<PlusOutlined aria-hidden />}
              onClick={() => setDialog({ kind: 'add' })}
            >
              {t('admin.users.add')}
            </Button>
          )}
        </Flex>
        {fromProvider ? <Alert type="info" showIcon title={t('admin.users.fromProvider')} /> : null}
        <QueryStates
          query={query}
          errorTitle={t('admin.users.loadFailed')}
          empty={{ title: t('admin.users.empty') }}
        >
          {(data) => (
            <Table<LocalUser>
              size="small"
              rowKey="name"
              columns={columns}
              dataSource={data.items}
              pagination={false}
            />
          )}
        </QueryStates>
      </Flex>
      <UserModal dialog={dialog} self={me?.name} onClose={() => setDialog(null)} />
    </section>
  );
}

/** /admin/users: the local accounts (add, edit, reset a password, disable, delete); admins only. */
export function UsersPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('admin.users.title'));
  const can = useCan('admin');
  return (
    <Flex vertical gap={24}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('admin.users.title')}
      </Typography.Title>
      {can.allowed ? (
        <UsersTable />
      ) : (
        <Result status="403" title={t('admin.users.forbidden')} subTitle={can.reason} />
      )}
    </Flex>
  );
}
