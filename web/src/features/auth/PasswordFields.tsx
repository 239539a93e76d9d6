import { Form, Input } from 'antd';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN_LENGTH } from '../../../../bff/src/contract/password';
import { isApiError } from '../../lib/api';
import type { ServerProblem } from '../../lib/messages/translate';

export interface PasswordValues {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/**
 * The current password, the new one and its repetition, checked as the BFF will (the minimum
 * length is the BFF's own constant): the forced first change and the user menu's dialog share it.
 */
export function PasswordFields() {
  const { t } = useTranslation('auth');
  return (
    <>
      <Form.Item
        label={t('password.current')}
        name="currentPassword"
        rules={[{ required: true, message: t('password.required') }]}
      >
        <Input.Password autoComplete="current-password" visibilityToggle={false} />
      </Form.Item>
      <Form.Item
        label={t('password.new')}
        name="newPassword"
        rules={[
          { required: true, message: t('password.required') },
          {
            min: PASSWORD_MIN_LENGTH,
            message: t('password.tooShort', { count: PASSWORD_MIN_LENGTH }),
          },
        ]}
      >
        <Input.Password autoComplete="new-password" visibilityToggle={false} />
      </Form.Item>
      <Form.Item
        label={t('password.confirm')}
        name="confirm"
        dependencies={['newPassword']}
        rules={[
          { required: true, message: t('password.required') },
          ({ getFieldValue }) => ({
            validator: (_, value: string | undefined) =>
              !value || value === getFieldValue('newPassword')
                ? Promise.resolve()
                : Promise.reject(new Error(t('password.mismatch'))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" visibilityToggle={false} />
      </Form.Item>
    </>
  );
}

/**
 * Shows the BFF's refusal under the field it names (a wrong current password, a new one it does
 * not accept), keeping what was typed; false when the error names no field of the form.
 */
export function showPasswordFieldError(
  form: FormInstance<PasswordValues>,
  err: unknown,
  text: (problem: ServerProblem) => string,
): boolean {
  if (isApiError(err) && (err.field === 'currentPassword' || err.field === 'newPassword')) {
    form.setFields([{ name: err.field, errors: [text(err)] }]);
    return true;
  }
  return false;
}
