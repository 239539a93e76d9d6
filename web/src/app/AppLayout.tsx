import {
  ApartmentOutlined,
  AppstoreOutlined,
  AuditOutlined,
  KeyOutlined,
  LineChartOutlined,
  ProfileOutlined,
  TeamOutlined,
} from '@ant-design/icons';
import { Layout, Menu, Spin, Typography, theme } from 'antd';
import type { MenuProps } from 'antd';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
import { useSession } from '../features/auth/session';
import { UserMenu } from '../features/auth/UserMenu';
import { LanguageSwitch } from './LanguageSwitch';

const SECTIONS = ['services', 'topology', 'istio-config', 'monitoring', 'audit', 'admin'] as const;
type Section = (typeof SECTIONS)[number];

function sectionOf(pathname: string): Section | undefined {
  const first = pathname.split('/')[1];
  return SECTIONS.find((s) => s === first);
}

export function AppLayout() {
  const { t } = useTranslation(['app', 'admin', 'audit']);
  const { pathname } = useLocation();
  const { token } = theme.useToken();
  const section = sectionOf(pathname);
  const { user } = useSession();

  const items: MenuProps['items'] = [
    {
      key: 'services',
      icon: <AppstoreOutlined aria-hidden />,
      label: <Link to="/services">{t('nav.services')}</Link>,
    },
    {
      key: 'topology',
      icon: <ApartmentOutlined aria-hidden />,
      label: <Link to="/topology">{t('nav.topology')}</Link>,
    },
    {
      key: 'istio-config',
      icon: <ProfileOutlined aria-hidden />,
      label: <Link to="/istio-config">{t('nav.istioConfig')}</Link>,
    },
    {
      key: 'monitoring',
      icon: <LineChartOutlined aria-hidden />,
      label: <Link to="/monitoring">{t('nav.monitoring')}</Link>,
    },
    // Admin pages: only admins see them (the BFF refuses everyone else anyway).
    ...(user?.role === 'admin'
      ? [
          {
            key: 'audit',
            icon: <AuditOutlined aria-hidden />,
            label: <Link to="/audit">{t('audit:nav')}</Link>,
          },
          {
            key: 'admin',
            icon: <KeyOutlined aria-hidden />,
            label: <Link to="/admin/tokens">{t('admin:nav')}</Link>,
          },
          {
            key: 'users',
            icon: <TeamOutlined aria-hidden />,
            label: <Link to="/admin/users">{t('admin:users.nav')}</Link>,
          },
        ]
      : []),
  ];

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 24 }}>
        <Link to="/services" style={{ display: 'flex', alignItems: 'center', gap: 10 }}>
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <Typography.Text strong style={{ color: '#fff', fontSize: 16 }}>
            {t('name')}
          </Typography.Text>
        </Link>
        <div style={{ marginInlineStart: 'auto', display: 'flex', alignItems: 'center', gap: 8 }}>
          <LanguageSwitch />
          <UserMenu />
        </div>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={200} style={{ background: token.colorBgContainer }}>
          <nav aria-label={t('mainNavigation')}>
            <Menu
              mode="inline"
              selectedKeys={pathname.startsWith('/admin/users') ? ['users'] : section ? [section] : []}
              items={items}
              style={{ borderInlineEnd: 0, paddingTop: 8 }}
            />
          </nav>
        </Layout.Sider>
        <Layout.Content style={{ padding: 24, minWidth: 0 }}>
          <main>
            <Suspense fallback={<Spin />}>
              <Outlet />
            </Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
