import { Alert, App, Button, Flex, Form, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import { PasswordFields, showPasswordFieldError } from './PasswordFields';
import type { PasswordValues } from './PasswordFields';
import { useChangePassword } from './session';
import { useFieldProblemText } from '../../lib/messages/translate';

export interface ChangePasswordModalProps {
  open: boolean;
  onClose: () => void;
}

/**
 * The user menu's "Change password": current, new and repeated password, sent to
 * POST /auth/password. A refusal is shown under the field it names (or above the form), and what
 * was typed stays; the user's other sessions end, this one goes on.
 */
export function ChangePasswordModal({ open, onClose }: ChangePasswordModalProps) {
  const { t } = useTranslation('auth');
  const fieldProblemText = useFieldProblemText();
  const { message } = App.useApp();
  const [form] = Form.useForm<PasswordValues>();
  const change = useChangePassword();
  const failure = useErrorMessage(change.error);
  const fieldFailure =
    isApiError(change.error) &&
    (change.error.field === 'currentPassword' || change.error.field === 'newPassword');

  const close = () => {
    onClose();
    change.reset();
    form.resetFields();
  };

  const handleFinish = async ({ currentPassword, newPassword }: PasswordValues) => {
    try {
      await change.mutateAsync({ currentPassword, newPassword });
      void message.success(t('password.done'));
      close();
    } catch (err) {
      showPasswordFieldError(form, err, fieldProblemText);
    }
  };

  return (
    <Modal open={open} title={t('passwordDialog.title')} onCancel={close} footer={null} destroyOnHidden>
      <Form<PasswordValues>
        form={form}
        name="change-password"
        layout="vertical"
        requiredMark={false}
        aria-label={t('passwordDialog.title')}
        onFinish={(values) => void handleFinish(values)}
      >
        <Typography.Paragraph type="secondary">{t('passwordDialog.description')}</Typography.Paragraph>
        {change.isError && !fieldFailure ? (
          <Alert
            type="error"
            showIcon
            role="alert"
            title={t('password.failed', { message: failure })}
            style={{ marginBottom: 16 }}
          />
        ) : null}
        <PasswordFields />
        <Flex justify="end" gap={8}>
          <Button onClick={close}>{t('passwordDialog.cancel')}</Button>
          <Button
            type="primary"
            htmlType="submit"
            loading={change.isPending}
            aria-label={t('password.submit')}
          >
            {t('password.submit')}
          </Button>
        </Flex>
      </Form>
    </Modal>
  );
}
