import { DownOutlined, KeyOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Tag } from 'antd';
import type { MenuProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useErrorText } from '../../components/QueryErrorAlert';
import { ChangePasswordModal } from './ChangePasswordModal';
import { useSession, useSignOut } from './session';

const ROLE_COLORS = { viewer: 'default', operator: 'blue', admin: 'gold' } as const;

/**
 * The header's account menu: who is signed in, with which role and namespaces, Change password
 * (local accounts; an OIDC user changes it at the identity provider), and Sign out.
 */
export function UserMenu() {
  const { t } = useTranslation(['auth', 'common']);
  const { message } = App.useApp();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const { user } = useSession();
  const signOut = useSignOut();
  const [changingPassword, setChangingPassword] = useState(false);
  if (!user) return null;

  const namespaces = user.namespaces.includes('*') ? t('menu.allNamespaces') : user.namespaces.join(', ');
  const role = t(`roles.${user.role}`);

  const handleSignOut = async () => {
    try {
      await signOut.mutateAsync();
      void navigate('/signin', { replace: true });
    } catch (err) {
      const text = errorText(err);
      void message.error(t('menu.signOutFailed', { message: text }));
    }
  };

  const items: MenuProps['items'] = [
    { key: 'role', label: t('menu.role', { role }), disabled: true },
    { key: 'namespaces', label: t('menu.namespaces', { namespaces }), disabled: true },
    { type: 'divider' },
    ...(user.via === 'local'
      ? [{ key: 'password', icon: <KeyOutlined aria-hidden />, label: t('menu.changePassword') }]
      : []),
    { key: 'signOut', icon: <LogoutOutlined aria-hidden />, label: t('menu.signOut') },
  ];

  return (
    <>
      <Dropdown
        trigger={['click']}
        menu={{
          items,
          onClick: ({ key }) => {
            if (key === 'signOut') void handleSignOut();
            if (key === 'password') setChangingPassword(true);
          },
        }}
      >
        <Button type="text" style={{ color: '#fff' }} aria-label={t('menu.button', { name: user.name })}>
          <UserOutlined aria-hidden />
          {user.name}
          <Tag color={ROLE_COLORS[user.role]} style={{ marginInline: 0 }}>
            {role}
          </Tag>
          <DownOutlined aria-hidden />
        </Button>
      </Dropdown>
      <ChangePasswordModal open={changingPassword} onClose={() => setChangingPassword(false)} />
    </>
  );
}
