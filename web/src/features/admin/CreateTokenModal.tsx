import { Alert, Button, Flex, Form, Input, Modal, Select, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useErrorMessage } from '../../components/QueryErrorAlert';
import { isApiError } from '../../lib/api';
import { ROLES } from '../auth/contract';
import type { CreatedToken, Role } from '../auth/contract';
import { useCreateToken } from './queries';
import { useFieldProblemText } from '../../lib/messages/translate';

interface TokenValues {
  name: string;
  role: Role;
  allNamespaces: boolean;
  namespaces: string[];
}

export interface CreateTokenModalProps {
  open: boolean;
  onClose: () => void;
}

/** The secret of a new token, shown this once, with a copy button. */
function SecretStep({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const { t } = useTranslation(['admin', 'auth']);
  const name = created.token.name;
  return (
    <Flex vertical gap={12}>
      <Alert type="warning" showIcon title={t('secret.warning')} />
      <Typography.Text
        code
        aria-label={t('secret.label', { name })}
        copyable={{
          text: created.secret,
          tooltips: [t('secret.copy'), t('secret.copied')],
        }}
        style={{ wordBreak: 'break-all' }}
      >
        {created.secret}
      </Typography.Text>
      <Flex justify="end">
        <Button type="primary" onClick={onDone}>
          {t('secret.done')}
        </Button>
      </Flex>
    </Flex>
  );
}

/** Create an API token: name, role, namespaces; then its secret, once. */
export function CreateTokenModal({ open, onClose }: CreateTokenModalProps) {
  const { t } = useTranslation(['admin', 'auth']);
  const fieldProblemText = useFieldProblemText();
  const [form] = Form.useForm<TokenValues>();
  const create = useCreateToken();
  const failure = useErrorMessage(create.error);
  const [created, setCreated] = useState<CreatedToken>();
  const allNamespaces = Form.useWatch('allNamespaces', form) ?? true;

  const close = () => {
    onClose();
    setCreated(undefined);
    create.reset();
    form.resetFields();
  };

  const handleFinish = async (values: TokenValues) => {
    try {
      const result = await create.mutateAsync({
        name: values.name.trim(),
        role: values.role,
        namespaces: values.allNamespaces ? ['*'] : values.namespaces,
      });
      setCreated(result);
    } catch (err) {
      if (isApiError(err) && (err.field === 'name' || err.field === 'role' || err.field === 'namespaces')) {
        form.setFields([{ name: err.field, errors: [fieldProblemText(err)] }]);
      }
    }
  };

  const fieldFailure = isApiError(create.error) && create.error.field;

  return (
    <Modal
      open={open}
      title={created ? t('secret.title', { name: created.token.name }) : t('form.title')}
      onCancel={close}
      footer={null}
      destroyOnHidden
      maskClosable={!created}
    >
      {created ? (
        <SecretStep created={created} onDone={close} />
      ) : (
        <Form<TokenValues>
          form={form}
          name="token"
          layout="vertical"
          initialValues={{ role: 'viewer', allNamespaces: true, namespaces: [] }}
          onFinish={(values) => void handleFinish(values)}
        >
          {create.isError && !fieldFailure ? (
            <Alert
              type="error"
              showIcon
              role="alert"
              title={t('form.failed', { message: failure })}
              style={{ marginBottom: 16 }}
            />
          ) : null}
          <Form.Item
            label={t('form.name')}
            name="name"
            rules={[{ required: true, whitespace: true, message: t('form.nameRequired') }]}
          >
            <Input placeholder={t('form.namePlaceholder')} maxLength={63} />
          </Form.Item>
          <Form.Item label={t('form.role')} name="role">
            <Select
              aria-label={t('form.role')}
              options={ROLES.map((role) => ({ value: role, label: t(`auth:roles.${role}`) }))}
            />
          </Form.Item>
          <Form.Item label={t('form.allNamespaces')} name="allNamespaces" valuePropName="checked">
            <Switch aria-label={t('form.allNamespaces')} />
          </Form.Item>
          {allNamespaces ? null : (
            <Form.Item
              label={t('form.namespaces')}
              name="namespaces"
              rules={[{ required: true, type: 'array', min: 1, message: t('form.namespacesRequired') }]}
            >
              <Select
                mode="tags"
                aria-label={t('form.namespaces')}
                placeholder={t('form.namespacesPlaceholder')}
                open={false}
                suffixIcon={null}
              />
            </Form.Item>
          )}
          <Flex justify="end" gap={8}>
            <Button onClick={close}>{t('form.cancel')}</Button>
            <Button type="primary" htmlType="submit" loading={create.isPending} aria-label={t('form.submit')}>
              {t('form.submit')}
            </Button>
          </Flex>
        </Form>
      )}
    </Modal>
  );
}
