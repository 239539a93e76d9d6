import { Alert, App, Button, Flex, Form, Input, Modal, Select, Switch } from 'antd';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN_LENGTH } from '../../../../bff/src/contract/password';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import { ROLES } from '../auth/contract';
import type { LocalUser, Role } from '../auth/contract';
import { useCreateUser, useUpdateUser } from './queries';
import { useFieldProblemText } from '../../lib/messages/translate';
import type { ServerProblem } from '../../lib/messages/translate';

interface UserValues {
  name: string;
  role: Role;
  allNamespaces: boolean;
  namespaces: string[];
  password: string;
}

const FIELDS = ['name', 'role', 'namespaces', 'password'] as const;
type Field = (typeof FIELDS)[number];

/**
 * Puts a refusal that names a field (`namespaces.0` is the namespaces field) under that field,
 * keeping what was typed; true when it did, false when the error belongs above the form.
 */
function showFieldError(
  form: FormInstance<UserValues>,
  err: unknown,
  text: (problem: ServerProblem) => string,
): boolean {
  if (!isApiError(err) || !err.field) return false;
  const field = err.field.split('.')[0] as Field;
  if (!FIELDS.includes(field)) return false;
  form.setFields([{ name: field, errors: [text(err)] }]);
  return true;
}

const namespacesOf = (values: UserValues): string[] => (values.allNamespaces ? ['*'] : values.namespaces);

function RoleAndNamespaces({ form, roleLocked }: { form: FormInstance<UserValues>; roleLocked: boolean }) {
  const { t } = useTranslation(['admin', 'auth']);
  const allNamespaces = Form.useWatch('allNamespaces', form) ?? true;
  return (
    <>
      <Form.Item
        label={t('users.form.role')}
        name="role"
        extra={roleLocked ? t('users.form.selfRole') : undefined}
      >
        <Select
          aria-label={t('users.form.role')}
          disabled={roleLocked}
          options={ROLES.map((role) => ({ value: role, label: t(`auth:roles.${role}`) }))}
        />
      </Form.Item>
      <Form.Item label={t('users.form.allNamespaces')} name="allNamespaces" valuePropName="checked">
        <Switch aria-label={t('users.form.allNamespaces')} />
      </Form.Item>
      {allNamespaces ? null : (
        <Form.Item
          label={t('users.form.namespaces')}
          name="namespaces"
          rules={[{ required: true, type: 'array', min: 1, message: t('users.form.namespacesRequired') }]}
        >
          <Select
            mode="tags"
            aria-label={t('users.form.namespaces')}
            placeholder={t('users.form.namespacesPlaceholder')}
            open={false}
            suffixIcon={null}
          />
        </Form.Item>
      )}
    </>
  );
}

function PasswordField() {
  const { t } = useTranslation(['admin', 'auth']);
  return (
    <Form.Item
      label={t('users.form.password')}
      name="password"
      extra={t('users.form.passwordHelp', { min: PASSWORD_MIN_LENGTH })}
      rules={[
        {
          required: true,
          min: PASSWORD_MIN_LENGTH,
          message: t('users.form.passwordTooShort', { min: PASSWORD_MIN_LENGTH }),
        },
      ]}
    >
      <Input.Password autoComplete="new-password" />
    </Form.Item>
  );
}

function Footer({ onCancel, submit, pending }: { onCancel: () => void; submit: string; pending: boolean }) {
  const { t } = useTranslation(['admin', 'auth']);
  return (
    <Flex justify="end" gap={8}>
      <Button onClick={onCancel}>{t('users.form.cancel')}</Button>
      <Button type="primary" htmlType="submit" loading={pending}>
        {submit}
      </Button>
    </Flex>
  );
}

function FormFailure({ error, show }: { error: unknown; show: boolean }) {
  const { t } = useTranslation(['admin', 'auth']);
  const message = useErrorMessage(error);
  if (!show) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={t('users.form.failed', { message })}
      style={{ marginBottom: 16 }}
    />
  );
}

export type UserDialog =
  { kind: 'add' } | { kind: 'edit'; user: LocalUser } | { kind: 'reset'; user: LocalUser } | null;

/** Add a user (name, role, namespaces, one-time password), edit one (role, namespaces) or reset a password. */
export function UserModal({
  dialog,
  self,
  onClose,
}: {
  dialog: UserDialog;
  /** The signed-in admin's name: their own role cannot be lowered here. */
  self: string | undefined;
  onClose: () => void;
}) {
  const { t } = useTranslation(['admin', 'auth']);
  const fieldProblemText = useFieldProblemText();
  const { message } = App.useApp();
  const [form] = Form.useForm<UserValues>();
  const create = useCreateUser();
  const update = useUpdateUser();
  const mutation = dialog?.kind === 'add' ? create : update;
  const fieldFailure = isApiError(mutation.error) && Boolean(mutation.error.field);

  const close = () => {
    onClose();
    create.reset();
    update.reset();
    form.resetFields();
  };

  const handleFinish = async (values: UserValues) => {
    if (!dialog) return;
    try {
      if (dialog.kind === 'add') {
        const created = await create.mutateAsync({
          name: values.name.trim(),
          role: values.role,
          namespaces: namespacesOf(values),
          password: values.password,
        });
        void message.success(t('users.added', { name: created.name }));
      } else if (dialog.kind === 'edit') {
        const { name } = dialog.user;
        await update.mutateAsync({ name, change: { role: values.role, namespaces: namespacesOf(values) } });
        void message.success(t('users.changed', { name }));
      } else {
        const { name } = dialog.user;
        await update.mutateAsync({ name, change: { password: values.password } });
        void message.success(t('users.resetDone', { name }));
      }
      close();
    } catch (err) {
      // Whatever was typed stays; a refusal naming a field is shown under it.
      showFieldError(form, err, fieldProblemText);
    }
  };

  const user = dialog && dialog.kind !== 'add' ? dialog.user : undefined;
  const title =
    dialog?.kind === 'edit'
      ? t('users.form.editTitle', { name: user?.name })
      : dialog?.kind === 'reset'
        ? t('users.form.resetTitle', { name: user?.name })
        : t('users.form.addTitle');
  const submit =
    dialog?.kind === 'edit'
      ? t('users.form.save')
      : dialog?.kind === 'reset'
        ? t('users.form.reset')
        : t('users.form.add');
  const initialValues: Partial<UserValues> = user
    ? {
        role: user.role,
        allNamespaces: user.namespaces.includes('*'),
        namespaces: user.namespaces.filter((n) => n !== '*'),
      }
    : { role: 'viewer', allNamespaces: true, namespaces: [] };

  return (
    <Modal open={dialog !== null} title={title} onCancel={close} footer={null} destroyOnHidden>
      {dialog ? (
        <Form<UserValues>
          form={form}
          name="user"
          layout="vertical"
          initialValues={initialValues}
          onFinish={(values) => void handleFinish(values)}
        >
          <FormFailure error={mutation.error} show={mutation.isError && !fieldFailure} />
          {dialog.kind === 'add' ? (
            <Form.Item
              label={t('users.form.name')}
              name="name"
              rules={[{ required: true, whitespace: true, message: t('users.form.nameRequired') }]}
            >
              <Input autoComplete="off" />
            </Form.Item>
          ) : null}
          {dialog.kind !== 'reset' ? (
            <RoleAndNamespaces form={form} roleLocked={dialog.kind === 'edit' && dialog.user.name === self} />
          ) : null}
          {dialog.kind !== 'edit' ? <PasswordField /> : null}
          <Footer onCancel={close} submit={submit} pending={mutation.isPending} />
        </Form>
      ) : null}
    </Modal>
  );
}
