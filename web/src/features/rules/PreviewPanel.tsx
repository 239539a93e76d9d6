import { CopyOutlined, DownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Flex, Tabs, Tag, Typography, theme } from 'antd';
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import type { PlannedObject, PreviewResponse, WriteAction } from './contract';
import { DiffView, codeStyle } from './DiffView';
import { useTranslation } from 'react-i18next';
import { useContractMessage } from '../../lib/messages/translate';
import { ListAlert } from '../../components/ListAlert';

const ACTION_COLORS: Record<WriteAction, string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  unchanged: 'default',
};

function ActionTag({ action }: { action: WriteAction }) {
  const { t } = useTranslation('rules');
  return <Tag color={ACTION_COLORS[action]}>{t(`preview.${action}`)}</Tag>;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${name}.yaml`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function YamlBlock({ object }: { object: PlannedObject }) {
  const { t } = useTranslation('rules');
  const { message } = App.useApp();
  const { token } = theme.useToken();
  const handleCopy = async () => {
    try {
      await navigator.clipboard.writeText(object.yaml);
      void message.success(t('preview.copied'));
    } catch {
      void message.error(t('preview.copyFailed'));
    }
  };
  return (
    <Flex vertical gap={8}>
      <Flex gap={8}>
        <Button size="small" icon={<CopyOutlined aria-hidden />} onClick={() => void handleCopy()}>
          {t('preview.copy')}
        </Button>
        <Button
          size="small"
          icon={<DownloadOutlined aria-hidden />}
          onClick={() => download(object.name, object.yaml)}
        >
          {t('preview.download')}
        </Button>
      </Flex>
      <pre
        aria-label={t('preview.yamlOf', { kind: object.kind, name: object.name })}
        tabIndex={0}
        style={{ ...codeStyle, background: token.colorFillQuaternary }}
      >
        {object.yaml}
      </pre>
    </Flex>
  );
}

export interface PreviewPanelProps {
  /** A route preview, or another kind's (a rate limit's warnings carry no code). */
  preview: Pick<PreviewResponse, 'dialect' | 'objects'> & {
    warnings: readonly { code?: string; message: string }[];
  };
  /** The form changed after this preview was made. */
  stale: boolean;
  /** Open on the changes rather than the YAML (an edit, a conflict). */
  showChanges: boolean;
  /**
   * When a new preview arrives (new `preview.objects`), scroll the panel into view and move focus
   * to its heading: it renders below the form, often below the fold. Off for a preview that only
   * precedes a submit. Default on.
   */
  reveal?: boolean;
  /** What the kind says of this preview (routes: the route API it was written with). */
  note?: ReactNode;
}

/** What a write would do: per object its action, YAML and diff against live; warnings; the dialect's caveat. */
export function PreviewPanel({ preview, stale, showChanges, reveal = true, note }: PreviewPanelProps) {
  const { t } = useTranslation('rules');
  const contractText = useContractMessage();
  const heading = useRef<HTMLElement>(null);
  const seen = useRef<PreviewResponse['objects']>(undefined);
  useEffect(() => {
    // Once per preview that arrives, not when `reveal` changes afterwards.
    if (seen.current === preview.objects) return;
    seen.current = preview.objects;
    const el = heading.current;
    if (!el || !reveal) return;
    // Optional: jsdom has no scrollIntoView.
    el.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
    el.focus({ preventScroll: true });
  }, [preview.objects, reveal]);
  return (
    <section aria-label={t('preview.title')}>
      <Typography.Title level={5} style={{ marginTop: 0 }} ref={heading} tabIndex={-1}>
        {t('preview.title')}
      </Typography.Title>
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">{t('preview.hint')}</Typography.Text>
        {stale ? <Alert type="info" showIcon title={t('preview.stale')} /> : null}
        {note}
        {preview.dialect === 'sofa' ? <Alert type="warning" showIcon title={t('preview.sofaNote')} /> : null}
        <ListAlert
          type="warning"
          title={t('preview.warnings')}
          items={preview.warnings.map((w) => contractText(w.message))}
        />
        {preview.objects.map((object) => (
          <Card
            key={`${object.kind}/${object.namespace}/${object.name}`}
            size="small"
            title={
              <Flex gap={8} align="center" wrap>
                <ActionTag action={object.action} />
                <Typography.Text>
                  {object.kind} {object.namespace}/{object.name}
                </Typography.Text>
              </Flex>
            }
          >
            <Tabs
              size="small"
              defaultActiveKey={showChanges ? 'diff' : 'yaml'}
              items={[
                { key: 'yaml', label: t('preview.yaml'), children: <YamlBlock object={object} /> },
                {
                  key: 'diff',
                  label: t('preview.diff'),
                  children:
                    object.diff === '' ? (
                      <Typography.Text type="secondary">{t('preview.noChanges')}</Typography.Text>
                    ) : (
                      <DiffView
                        diff={object.diff}
                        label={t('preview.diffOf', { kind: object.kind, name: object.name })}
                      />
                    ),
                },
              ]}
            />
          </Card>
        ))}
      </Flex>
    </section>
  );
}
