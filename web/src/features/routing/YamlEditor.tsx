import { Skeleton, theme } from 'antd';
import { lazy, Suspense } from 'react';

/** A problem to show in the editor beside YAML parse errors, e.g. from a schema check. */
export interface YamlDiagnostic {
  /** 1-based line; out-of-range lines are clamped to the document. */
  line: number;
  message: string;
  severity?: 'error' | 'warning' | 'info';
}

export interface YamlEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The accessible name of the editor. */
  label: string;
  invalid?: boolean;
  describedBy?: string;
  readOnly?: boolean;
  /** Shown as lint markers at their lines, beside the editor's own YAML parse errors. */
  diagnostics?: readonly YamlDiagnostic[];
}

// CodeMirror is only needed for the rare rule the form cannot show: load it on first use.
const CodeMirrorYaml = lazy(() => import('./CodeMirrorYaml'));

/** The YAML editor: CodeMirror with YAML highlighting and live parse errors at their line. */
export function YamlEditor(props: YamlEditorProps) {
  const { token } = theme.useToken();
  return (
    <Suspense fallback={<Skeleton active paragraph={{ rows: 8 }} title={false} />}>
      <CodeMirrorYaml {...props} token={token} />
    </Suspense>
  );
}
