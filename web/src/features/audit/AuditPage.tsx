import { useQuery } from '@tanstack/react-query';
import { Alert, Button, DatePicker, Flex, Input, Result, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { useDocumentTitle } from '../../lib/useDocumentTitle';
import type { AuditEntry, AuditOutcome } from '../auth/contract';
import { useCan } from '../auth/session';
import { DiffView } from '../routing/DiffView';
import { AUDIT_LIMIT, auditQuery, filtersFrom } from './queries';
import type { AuditFilters } from './queries';
import { QueryStates } from '../../components/QueryStates';
import { useServerProblemText } from '../../lib/messages/translate';

const OUTCOME_COLORS: Record<AuditOutcome, string> = {
  succeeded: 'green',
  failed: 'red',
  denied: 'volcano',
  invalid: 'gold',
};

function useFormatTime() {
  const { i18n } = useTranslation('audit');
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });
  return (iso: string) => {
    const time = new Date(iso);
    return Number.isNaN(time.getTime()) ? iso : format.format(time);
  };
}

/**
 * A refusal's message in the operator's language. The record keeps the BFF's English text and the
 * status, not the error code: a contract message is translated with its values, others by status.
 */
function useEntryMessage(): (entry: AuditEntry) => string {
  const translate = useServerProblemText();
  return (entry) => (entry.message ? translate({ status: entry.status, message: entry.message }) : '');
}

function EntryDetails({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation('audit');
  const entryMessage = useEntryMessage();
  return (
    <Flex vertical gap={8}>
      <Typography.Text>
        <Typography.Text type="secondary">{t('columns.action')}: </Typography.Text>
        <code>
          {entry.method} {entry.path}
        </code>
      </Typography.Text>
      {entry.resource ? (
        <Typography.Text>
          <Typography.Text type="secondary">{t('resource')}: </Typography.Text>
          {entry.resource.kind} {entry.namespace ? `${entry.namespace}/` : ''}
          {entry.resource.name}
        </Typography.Text>
      ) : null}
      {entry.message ? (
        <Typography.Text>
          {entryMessage(entry)}
          {entryMessage(entry) === entry.message ? null : (
            // The server's words too: they name the objects and roles involved.
            <Typography.Text type="secondary" lang="en">
              {' '}
              ({entry.message})
            </Typography.Text>
          )}
        </Typography.Text>
      ) : null}
      {entry.diff ? (
        <DiffView diff={entry.diff} label={`${t('diff')} · ${entry.id}`} />
      ) : (
        <Typography.Text type="secondary">{t('noDiff')}</Typography.Text>
      )}
    </Flex>
  );
}

/** The filters, kept in the address so that a filtered view can be shared. */
function useFilters(): [AuditFilters, (next: Partial<AuditFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const update = (next: Partial<AuditFilters>) =>
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        for (const [key, value] of Object.entries(next)) {
          if (value) out.set(key, value);
          else out.delete(key);
        }
        return out;
      },
      { replace: true },
    );
  return [filters, update];
}

/** A text filter that writes to the address once the user stops typing. */
function useTextFilter(value: string, onChange: (value: string) => void) {
  const [text, setText] = useState(value);
  const debounced = useDebouncedValue(text, 300);
  useEffect(() => {
    if (debounced !== value) onChange(debounced);
    // Only the typed text drives this; `value` follows it through the address.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);
  return [text, setText] as const;
}

function AuditLog() {
  const { t } = useTranslation('audit');
  const entryMessage = useEntryMessage();
  const formatTime = useFormatTime();
  const [filters, setFilters] = useFilters();
  const [user, setUser] = useTextFilter(filters.user, (v) => setFilters({ user: v }));
  const [service, setService] = useTextFilter(filters.service, (v) => setFilters({ service: v }));
  const query = useQuery(auditQuery(filters));
  const filtered = Object.values(filters).some((v) => v !== '');

  const range: [Dayjs | null, Dayjs | null] = [
    filters.since ? dayjs(filters.since) : null,
    filters.until ? dayjs(filters.until) : null,
  ];

  // `routes.create` → "Create route"; an action without a translation is shown as recorded.
  const actionLabel = (action: string) => t(`actions.${action}` as never, { defaultValue: action });
  const columns: TableColumnsType<AuditEntry> = [
    {
      key: 'time',
      title: t('columns.time'),
      render: (_, e) => (
        <time dateTime={e.time} style={{ whiteSpace: 'nowrap' }}>
          {formatTime(e.time)}
        </time>
      ),
    },
    {
      key: 'user',
      title: t('columns.user'),
      render: (_, e) => (
        <Flex gap={4} align="center" wrap>
          <Typography.Text>{e.user}</Typography.Text>
          <Typography.Text type="secondary">({e.role})</Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'action',
      title: t('columns.action'),
      render: (_, e) => (
        <Flex vertical>
          <Typography.Text title={e.action}>
            {actionLabel(e.action)}
            {e.repeated ? (
              <Tag style={{ marginInlineStart: 8 }}>{t('repeated', { count: e.repeated })}</Tag>
            ) : null}
            {e.recovered ? (
              <Tag color="blue" style={{ marginInlineStart: 8 }}>
                {t('recovered')}
              </Tag>
            ) : null}
          </Typography.Text>
          {e.resource ? (
            <Typography.Text type="secondary">
              {e.resource.kind} {e.resource.name}
            </Typography.Text>
          ) : null}
        </Flex>
      ),
    },
    {
      key: 'service',
      title: t('columns.service'),
      render: (_, e) => <span style={{ overflowWrap: 'anywhere' }}>{e.serviceId ?? '—'}</span>,
    },
    {
      key: 'outcome',
      title: t('columns.outcome'),
      render: (_, e) => <Tag color={OUTCOME_COLORS[e.outcome]}>{t(`outcomes.${e.outcome}`)}</Tag>,
    },
    { key: 'status', title: t('columns.status'), dataIndex: 'status' },
    {
      key: 'message',
      title: t('columns.message'),
      render: (_, e) => (
        <Typography.Text type="secondary" ellipsis={{ tooltip: e.message }} style={{ maxWidth: 280 }}>
          {entryMessage(e)}
        </Typography.Text>
      ),
    },
  ];

  const body = (
    <QueryStates
      query={query}
      errorTitle={t('loadFailed')}
      empty={{ title: filtered ? t('noMatch') : t('empty') }}
    >
      {(data) => (
        <section aria-label={t('table')}>
          {data.dropped.refusals > 0 ? (
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 12 }}
              title={t('dropped', {
                count: data.dropped.refusals,
                refusals: data.retention.refusals,
                days: data.retention.changeDays,
                before: data.dropped.before ? formatTime(data.dropped.before) : '—',
              })}
            />
          ) : null}
          <Table<AuditEntry>
            size="small"
            rowKey="id"
            columns={columns}
            dataSource={data.items}
            loading={query.isFetching && query.isPlaceholderData}
            pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
            expandable={{ expandedRowRender: (entry) => <EntryDetails entry={entry} /> }}
          />
          {data.items.length >= AUDIT_LIMIT ? (
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
              {t('limited', { count: AUDIT_LIMIT })}
            </Typography.Paragraph>
          ) : null}
        </section>
      )}
    </QueryStates>
  );

  const now = dayjs();
  return (
    <Flex vertical gap={16}>
      <Flex gap={12} wrap align="center" role="search" aria-label={t('filters.label')}>
        <Input
          aria-label={t('filters.user')}
          placeholder={t('filters.userPlaceholder')}
          value={user}
          onChange={(e) => setUser(e.target.value)}
          allowClear
          style={{ width: 180 }}
        />
        <Input
          aria-label={t('filters.service')}
          placeholder={t('filters.servicePlaceholder')}
          value={service}
          onChange={(e) => setService(e.target.value)}
          allowClear
          style={{ width: 280 }}
        />
        <div role="group" aria-label={t('filters.time')}>
          <DatePicker.RangePicker
            showTime
            allowEmpty={[true, true]}
            value={range}
            placeholder={[t('filters.from'), t('filters.until')]}
            presets={[
              { label: t('filters.lastHour'), value: [now.subtract(1, 'hour'), now] },
              { label: t('filters.lastDay'), value: [now.subtract(1, 'day'), now] },
              { label: t('filters.lastWeek'), value: [now.subtract(7, 'day'), now] },
            ]}
            onChange={(values) =>
              setFilters({
                since: values?.[0]?.toISOString() ?? '',
                until: values?.[1]?.toISOString() ?? '',
              })
            }
          />
        </div>
        {filtered ? (
          <Button
            onClick={() => {
              setUser('');
              setService('');
              setFilters({ user: '', service: '', since: '', until: '' });
            }}
          >
            {t('filters.clear')}
          </Button>
        ) : null}
      </Flex>
      {body}
    </Flex>
  );
}

/** /audit: every change made through the console, newest first; admins only. */
export function AuditPage() {
  const { t } = useTranslation('audit');
  useDocumentTitle(t('title'));
  const can = useCan('admin');
  return (
    <Flex vertical gap={16}>
      <div>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('title')}
        </Typography.Title>
        <Typography.Text type="secondary">{t('description')}</Typography.Text>
      </div>
      {can.allowed ? <AuditLog /> : <Result status="403" title={t('forbidden')} subTitle={can.reason} />}
    </Flex>
  );
}
