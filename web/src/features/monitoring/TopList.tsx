import { Card, Flex, Tooltip, Typography, theme } from 'antd';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { TopEntry } from './contract';

export interface TopListProps {
  title: string;
  entries: readonly TopEntry[] | undefined;
  format: (value: number) => string;
  loading: boolean;
  /** Where an entry leads (its service's page); no link when absent or undefined. */
  linkOf?: (entry: TopEntry) => string | undefined;
}

/**
 * One of the talk's Top 5 lists: rank, application, value, and a bar for the value against the first.
 * Items are keyed by rank, so a new round changes text and bar widths in place.
 */
export function TopList({ title, entries, format, loading, linkOf }: TopListProps) {
  const { t } = useTranslation('monitoring');
  const { token } = theme.useToken();
  const headingId = useId();
  const max = Math.max(0, ...(entries ?? []).map((e) => e.value));

  return (
    <Card
      size="small"
      loading={loading && !entries}
      title={<span id={headingId}>{title}</span>}
      styles={{ body: { minHeight: 196 } }}
    >
      {entries && entries.length === 0 ? (
        <Typography.Text type="secondary">{t('top.empty')}</Typography.Text>
      ) : (
        <ol aria-labelledby={headingId} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {(entries ?? []).map((entry, index) => (
            // Keyed by rank: the list is positional.
            <li key={index} style={{ padding: '4px 0' }}>
              <Flex gap={8} align="center">
                <span
                  aria-hidden
                  style={{
                    flex: 'none',
                    width: 20,
                    height: 20,
                    borderRadius: 10,
                    fontSize: 12,
                    lineHeight: '20px',
                    textAlign: 'center',
                    color: index < 3 ? '#fff' : token.colorTextSecondary,
                    background: index < 3 ? token.colorPrimary : token.colorFillSecondary,
                  }}
                >
                  {index + 1}
                </span>
                <Tooltip title={`${entry.namespace}/${entry.application}`}>
                  <Typography.Text ellipsis style={{ flex: 1, minWidth: 0 }}>
                    {(() => {
                      const to = linkOf?.(entry);
                      return to ? <Link to={to}>{entry.application}</Link> : entry.application;
                    })()}
                  </Typography.Text>
                </Tooltip>
                <Typography.Text strong style={{ flex: 'none' }}>
                  {format(entry.value)}
                </Typography.Text>
              </Flex>
              <div
                aria-hidden
                style={{
                  marginInlineStart: 28,
                  marginTop: 2,
                  height: 4,
                  borderRadius: 2,
                  background: token.colorFillTertiary,
                }}
              >
                <div
                  style={{
                    height: '100%',
                    borderRadius: 2,
                    width: `${max > 0 ? (entry.value / max) * 100 : 0}%`,
                    background: token.colorPrimary,
                    transition: 'width 0.4s ease',
                  }}
                />
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
