import { theme } from 'antd';
import type { CSSProperties } from 'react';

export interface DiffViewProps {
  diff: string;
  label: string;
}

type LineKind = 'added' | 'removed' | 'hunk' | 'file' | 'context';

function kindOf(line: string): LineKind {
  if (
    line.startsWith('+++') ||
    line.startsWith('---') ||
    line.startsWith('Index:') ||
    line.startsWith('====')
  ) {
    return 'file';
  }
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'added';
  if (line.startsWith('-')) return 'removed';
  return 'context';
}

export const codeStyle: CSSProperties = {
  margin: 0,
  padding: 8,
  maxHeight: 420,
  overflow: 'auto',
  fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  fontSize: 12,
  lineHeight: 1.5,
  borderRadius: 6,
};

/** A unified diff with added and removed lines coloured; the +/- marks stay for colour-blind eyes. */
export function DiffView({ diff, label }: DiffViewProps) {
  const { token } = theme.useToken();
  const styles: Record<LineKind, CSSProperties> = {
    added: { background: token.colorSuccessBg, color: token.colorSuccessText },
    removed: { background: token.colorErrorBg, color: token.colorErrorText },
    hunk: { color: token.colorInfoText },
    file: { color: token.colorTextTertiary },
    context: {},
  };
  const lines = diff.replace(/\n$/, '').split('\n');
  return (
    <pre aria-label={label} tabIndex={0} style={{ ...codeStyle, background: token.colorFillQuaternary }}>
      {lines.map((line, i) => (
        <span key={i} data-diff={kindOf(line)} style={{ display: 'block', ...styles[kindOf(line)] }}>
          {line === '' ? ' ' : line}
        </span>
      ))}
    </pre>
  );
}
