import { Empty, Typography } from 'antd';
import type { ReactNode } from 'react';

export interface EmptyStateProps {
  title: string;
  hint?: ReactNode;
  children?: ReactNode;
}

/** An honest empty state: what would be here and why it is not. */
export function EmptyState({ title, hint, children }: EmptyStateProps) {
  return (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={
        <>
          <Typography.Text strong>{title}</Typography.Text>
          {hint ? (
            <Typography.Paragraph type="secondary" style={{ maxWidth: 560, margin: '4px auto 0' }}>
              {hint}
            </Typography.Paragraph>
          ) : null}
        </>
      }
    >
      {children}
    </Empty>
  );
}
