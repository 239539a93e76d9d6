import { Input } from 'antd';

export interface YamlEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The accessible name of the editor. */
  label: string;
  invalid?: boolean;
  describedBy?: string;
  readOnly?: boolean;
}

/**
 * The YAML editor. A plain monospaced text area for now; a highlighting editor (e.g.
 * @uiw/react-codemirror with @codemirror/lang-yaml) replaces it in this one file.
 */
export function YamlEditor({
  value,
  onChange,
  label,
  invalid = false,
  describedBy,
  readOnly = false,
}: YamlEditorProps) {
  return (
    <Input.TextArea
      aria-label={label}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      status={invalid ? 'error' : undefined}
      value={value}
      readOnly={readOnly}
      spellCheck={false}
      autoSize={{ minRows: 12, maxRows: 32 }}
      style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12 }}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
