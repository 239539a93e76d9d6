import { DeleteOutlined, EditOutlined, KeyOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Flex, Popconfirm, Result, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryStates } from '../../components/QueryStates';
import { useErrorText } from '../../components/QueryErrorAlert';
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
  const { t } = useTranslation(['admin', 'auth', 'common']);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const { name } = user;

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      void message.success(done);
    } catch (err) {
      const text = errorText(err);
      void message.error(t('users.failed', { name, message: text }));
    }
  };
  const setDisabled = (disabled: boolean) =>
    run(
      () => update.mutateAsync({ name, change: { disabled } }),
      t(disabled ? 'users.disabledDone' : 'users.enabledDone', { name }),
    );

  const edit = (
    <Button
      type="link"
      size="small"
      icon={<EditOutlined aria-hidden />}
      aria-label={t('users.editUser', { name })}
      onClick={() => onDialog({ kind: 'edit', user })}
    >
      {t('users.edit')}
    </Button>
  );
  // Admins cannot reset, disable or delete themselves (the BFF refuses it too).
  if (isSelf)
    return (
      <Space size={0} wrap>
        {edit}
        <Typography.Text type="secondary">{t('users.selfHint')}</Typography.Text>
      </Space>
    );
  return (
    <Space size={0} wrap>
      {edit}
      <Button
        type="link"
        size="small"
        icon={<KeyOutlined aria-hidden />}
        aria-label={t('users.resetUser', { name })}
        onClick={() => onDialog({ kind: 'reset', user })}
      >
        {t('users.reset')}
      </Button>
      {user.disabled ? (
        <Button
          type="link"
          size="small"
          aria-label={t('users.enableUser', { name })}
          loading={update.isPending}
          onClick={() => void setDisabled(false)}
        >
          {t('users.enable')}
        </Button>
      ) : (
        <Popconfirm
          title={t('users.disableConfirm', { name })}
          description={t('users.disableHint')}
          okText={t('users.disable')}
          cancelText={t('users.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() => setDisabled(true)}
        >
          <Button
            type="link"
            size="small"
            icon={<StopOutlined aria-hidden />}
            aria-label={t('users.disableUser', { name })}
            loading={update.isPending}
          >
            {t('users.disable')}
          </Button>
        </Popconfirm>
      )}
      <Popconfirm
        title={t('users.deleteConfirm', { name })}
        description={t('users.deleteHint')}
        okText={t('users.delete')}
        cancelText={t('users.cancel')}
        okButtonProps={{ danger: true }}
        onConfirm={() => run(() => remove.mutateAsync(name), t('users.deleted', { name }))}
      >
        <Button
          type="link"
          size="small"
          danger
          icon={<DeleteOutlined aria-hidden />}
          aria-label={t('users.deleteUser', { name })}
          loading={remove.isPending}
        >
          {t('users.delete')}
        </Button>
      </Popconfirm>
    </Space>
  );
}

function UsersTable() {
  const { t } = useTranslation(['admin', 'auth', 'common']);
  const { session, user: me } = useSession();
  const query = useQuery(usersQuery);
  const [dialog, setDialog] = useState<UserDialog>(null);
  const fromProvider = session?.methods.oidc === true && session.methods.local === false;

  const columns: TableColumnsType<LocalUser> = [
    {
      key: 'name',
      title: t('users.columns.name'),
      render: (_, u) => (
        <Space size={4}>
          <Typography.Text strong>{u.name}</Typography.Text>
          {u.name === me?.name ? <Tag>{t('users.you')}</Tag> : null}
        </Space>
      ),
    },
    {
      key: 'role',
      title: t('users.columns.role'),
      render: (_, u) => <Tag color={ROLE_COLORS[u.role]}>{t(`auth:roles.${u.role}`)}</Tag>,
    },
    {
      key: 'namespaces',
      title: t('users.columns.namespaces'),
      render: (_, u) => (u.namespaces.includes('*') ? t('allNamespaces') : u.namespaces.join(', ')),
    },
    {
      key: 'status',
      title: t('users.columns.status'),
      render: (_, u) => (
        <Space size={4} wrap>
          {u.disabled ? (
            <Tag color="red">{t('users.status.disabled')}</Tag>
          ) : (
            <Tag color="green">{t('users.status.enabled')}</Tag>
          )}
          {u.mustChangePassword ? <Tag color="orange">{t('users.status.mustChange')}</Tag> : null}
        </Space>
      ),
    },
    {
      key: 'actions',
      title: t('users.columns.actions'),
      render: (_, u) => <UserActions user={u} isSelf={u.name === me?.name} onDialog={setDialog} />,
    },
  ];

  return (
    <section aria-label={t('users.table')}>
      <Flex vertical gap={12}>
        <Flex justify="space-between" align="center" gap={12} wrap>
          <Typography.Text type="secondary">{t('users.description')}</Typography.Text>
          {fromProvider ? null : (
            <Button
              type="primary"
              icon={<PlusOutlined aria-hidden />}
              onClick={() => setDialog({ kind: 'add' })}
            >
              {t('users.add')}
            </Button>
          )}
        </Flex>
        {fromProvider ? <Alert type="info" showIcon title={t('users.fromProvider')} /> : null}
        <QueryStates query={query} errorTitle={t('users.loadFailed')} empty={{ title: t('users.empty') }}>
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
  const { t } = useTranslation(['admin', 'auth', 'common']);
  useDocumentTitle(t('users.title'));
  const can = useCan('admin');
  return (
    <Flex vertical gap={24}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('users.title')}
      </Typography.Title>
      {can.allowed ? (
        <UsersTable />
      ) : (
        <Result status="403" title={t('users.forbidden')} subTitle={can.reason} />
      )}
    </Flex>
  );
}
