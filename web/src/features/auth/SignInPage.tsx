import { LockOutlined, LoginOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Divider, Flex, Form, Input, Layout, Spin, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { QueryErrorAlert, useErrorMessage } from '../../components/QueryErrorAlert';
import { apiPath, isApiError } from '../../lib/api';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import type { SignInMethods } from './contract';
import { PasswordFields, showPasswordFieldError } from './PasswordFields';
import type { PasswordValues } from './PasswordFields';
import { safeReturnTo, useChangePassword, useSession, useSignIn } from './session';
import { useFieldProblemText } from '../../lib/messages/translate';

interface Credentials {
  username: string;
  password: string;
}

function SignInForm({
  methods,
  returnTo,
  ssoError,
}: {
  methods: SignInMethods;
  returnTo: string;
  /** The code the single sign-on callback came back with (`/signin?error=…`), if it failed. */
  ssoError: string | null;
}) {
  const { t } = useTranslation(['auth', 'app']);
  const fieldProblemText = useFieldProblemText();
  const navigate = useNavigate();
  const [form] = Form.useForm<Credentials>();
  const signIn = useSignIn();
  const failure = useErrorMessage(signIn.error);

  const handleFinish = async (values: Credentials) => {
    try {
      const session = await signIn.mutateAsync(values);
      // One step further for a one-time password: the page shows the change-password form.
      if (!session.user.mustChangePassword) void navigate(returnTo, { replace: true });
    } catch (err) {
      if (isApiError(err) && err.status === 400 && (err.field === 'username' || err.field === 'password')) {
        form.setFields([{ name: err.field, errors: [fieldProblemText(err)] }]);
      }
    }
  };

  let error: string | undefined;
  if (ssoError && !signIn.isError) error = t('signIn.ssoFailed', { code: ssoError.slice(0, 64) });
  if (signIn.isError && !(isApiError(signIn.error) && signIn.error.field)) {
    error =
      isApiError(signIn.error) && signIn.error.code === 'InvalidCredentials'
        ? t('signIn.invalid')
        : t('signIn.failed', { message: failure });
  }

  const oidcHref = apiPath(['auth', 'oidc', 'login'], { returnTo });

  return (
    <Flex vertical gap={16}>
      {error ? <Alert type="error" showIcon title={error} role="alert" /> : null}
      {methods.local ? (
        <Form<Credentials>
          form={form}
          name="signin"
          layout="vertical"
          requiredMark={false}
          aria-label={t('signIn.form')}
          onFinish={(values) => void handleFinish(values)}
          onValuesChange={() => {
            if (signIn.isError) signIn.reset();
          }}
        >
          <Form.Item
            label={t('signIn.username')}
            name="username"
            rules={[{ required: true, whitespace: true, message: t('signIn.usernameRequired') }]}
          >
            <Input prefix={<UserOutlined aria-hidden />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            label={t('signIn.password')}
            name="password"
            rules={[{ required: true, message: t('signIn.passwordRequired') }]}
          >
            <Input.Password
              prefix={<LockOutlined aria-hidden />}
              autoComplete="current-password"
              visibilityToggle={false}
            />
          </Form.Item>
          <Button
            type="primary"
            htmlType="submit"
            block
            loading={signIn.isPending}
            aria-label={t('signIn.submit')}
          >
            {t('signIn.submit')}
          </Button>
        </Form>
      ) : null}
      {methods.local && methods.oidc ? <Divider plain>{t('signIn.or')}</Divider> : null}
      {methods.oidc ? (
        <Button href={oidcHref} icon={<LoginOutlined aria-hidden />} block>
          {t('signIn.oidc')}
        </Button>
      ) : null}
      {!methods.local && !methods.oidc ? (
        <Alert type="warning" showIcon title={t('signIn.noMethods')} />
      ) : null}
    </Flex>
  );
}

function ChangePasswordForm({ returnTo }: { returnTo: string }) {
  const { t } = useTranslation(['auth', 'app']);
  const fieldProblemText = useFieldProblemText();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<PasswordValues>();
  const change = useChangePassword();
  const failure = useErrorMessage(change.error);
  const [fieldError, setFieldError] = useState(false);

  const handleFinish = async ({ currentPassword, newPassword }: PasswordValues) => {
    setFieldError(false);
    try {
      await change.mutateAsync({ currentPassword, newPassword });
      void message.success(t('password.done'));
      void navigate(returnTo, { replace: true });
    } catch (err) {
      if (showPasswordFieldError(form, err, fieldProblemText)) setFieldError(true);
    }
  };

  return (
    <Flex vertical gap={16}>
      <Alert type="info" showIcon title={t('password.description')} />
      {change.isError && !fieldError ? (
        <Alert type="error" showIcon role="alert" title={t('password.failed', { message: failure })} />
      ) : null}
      <Form<PasswordValues>
        form={form}
        name="password"
        layout="vertical"
        requiredMark={false}
        aria-label={t('password.form')}
        onFinish={(values) => void handleFinish(values)}
      >
        <PasswordFields />
        <Button
          type="primary"
          htmlType="submit"
          block
          loading={change.isPending}
          aria-label={t('password.submit')}
        >
          {t('password.submit')}
        </Button>
      </Form>
    </Flex>
  );
}

/**
 * /signin: the user name and password form (local accounts), the single sign-on button (OIDC),
 * and for a one-time password the step that replaces it. Afterwards, back to `returnTo`.
 */
export function SignInPage() {
  const { t } = useTranslation(['auth', 'app']);
  const [params] = useSearchParams();
  const returnTo = safeReturnTo(params.get('returnTo'));
  const { session, isPending, isError, error, refetch } = useSession();
  const mustChange = session?.authenticated === true && session.user.mustChangePassword;
  useDocumentTitle(mustChange ? t('password.title') : t('signIn.title'));

  if (session?.authenticated && !session.user.mustChangePassword) {
    return <Navigate to={returnTo} replace />;
  }

  let body;
  if (isPending) {
    body = <Spin aria-label={t('session.loading')} />;
  } else if (isError || !session) {
    body = <QueryErrorAlert title={t('session.loadFailed')} error={error} onRetry={refetch} />;
  } else if (session.authenticated) {
    body = <ChangePasswordForm returnTo={returnTo} />;
  } else {
    body = <SignInForm methods={session.methods} returnTo={returnTo} ssoError={params.get('error')} />;
  }

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {/* The console's header, so the language switch looks and sits as on every other page. */}
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 10, paddingInline: 24 }}>
        <img src="/favicon.svg" alt="" width={28} height={28} />
        <Typography.Text strong style={{ color: '#fff', fontSize: 16 }}>
          {t('app:name')}
        </Typography.Text>
        <div style={{ marginInlineStart: 'auto' }}>
          <LanguageSwitch />
        </div>
      </Layout.Header>
      <Flex justify="center" style={{ padding: '8vh 16px 24px' }}>
        <main style={{ width: 'min(400px, 100%)' }}>
          <Card>
            <Flex vertical gap={8} align="center" style={{ marginBottom: 16 }}>
              <Typography.Title level={3} style={{ margin: 0 }}>
                {mustChange ? t('password.title') : t('signIn.title')}
              </Typography.Title>
              {mustChange ? null : (
                <Typography.Text type="secondary">{t('signIn.description')}</Typography.Text>
              )}
            </Flex>
            {body}
          </Card>
        </main>
      </Flex>
    </Layout>
  );
}
