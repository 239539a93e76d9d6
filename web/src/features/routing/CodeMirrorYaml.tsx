import { yaml } from '@codemirror/lang-yaml';
import { forceLinting, linter, lintGutter } from '@codemirror/lint';
import type { Diagnostic } from '@codemirror/lint';
import CodeMirror, { EditorView, StateEffect } from '@uiw/react-codemirror';
import type { EditorState, Extension } from '@uiw/react-codemirror';
import { load } from 'js-yaml';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { YamlDiagnostic, YamlEditorProps } from './YamlEditor';

const MONOSPACE = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

/** Dispatched when the caller's diagnostics change: the linter runs again although the text did not. */
const diagnosticsChanged = StateEffect.define<null>();

/** Where js-yaml says the text stops parsing: from that point to the end of its line. */
function parseDiagnostics(state: EditorState): Diagnostic[] {
  const text = state.doc.toString();
  try {
    load(text);
    return [];
  } catch (err) {
    const reason = (err as { reason?: unknown }).reason;
    const mark = (err as { mark?: { position?: unknown } }).mark;
    const message =
      typeof reason === 'string' ? reason : err instanceof Error ? (err.message.split('\n')[0] ?? '') : '';
    const from = Math.min(typeof mark?.position === 'number' ? mark.position : 0, text.length);
    const line = state.doc.lineAt(from);
    return [{ from, to: Math.max(from, line.to), severity: 'error', source: 'YAML', message }];
  }
}

function lineDiagnostic(state: EditorState, d: YamlDiagnostic): Diagnostic {
  const line = state.doc.line(Math.min(Math.max(1, Math.trunc(d.line)), state.doc.lines));
  return { from: line.from, to: line.to, severity: d.severity ?? 'error', message: d.message };
}

/** The antd design tokens the editor's frame uses, passed in so this chunk needs no antd. */
export interface EditorTokens {
  lineWidth: number;
  borderRadius: number;
  colorBorder: string;
  colorError: string;
  colorPrimary: string;
  colorBgContainer: string;
  colorBgContainerDisabled: string;
}

/** The CodeMirror implementation of YamlEditor, loaded lazily by it. */
export default function CodeMirrorYaml({
  value,
  onChange,
  label,
  invalid = false,
  describedBy,
  readOnly = false,
  diagnostics,
  token,
}: YamlEditorProps & { token: EditorTokens }) {
  const [view, setView] = useState<EditorView>();

  // The linter and the change handler read the latest props through refs, so a new array or
  // callback from the parent does not reconfigure the editor.
  const extra = useRef(diagnostics);
  const change = useRef(onChange);
  useEffect(() => {
    change.current = onChange;
  }, [onChange]);
  useEffect(() => {
    if (extra.current === diagnostics) return;
    extra.current = diagnostics;
    if (!view) return;
    view.dispatch({ effects: diagnosticsChanged.of(null) });
    forceLinting(view);
  }, [diagnostics, view]);

  const handleChange = useCallback((text: string) => change.current(text), []);

  const lint = useMemo<Extension>(
    () => [
      linter(
        (v) => [
          ...parseDiagnostics(v.state),
          ...(extra.current ?? []).map((d) => lineDiagnostic(v.state, d)),
        ],
        {
          delay: 300,
          needsRefresh: (update) =>
            update.transactions.some((tr) => tr.effects.some((e) => e.is(diagnosticsChanged))),
        },
      ),
      lintGutter(),
    ],
    [],
  );

  const { lineWidth, borderRadius, colorBorder, colorError, colorPrimary } = token;
  const background = readOnly ? token.colorBgContainerDisabled : token.colorBgContainer;
  const look = useMemo<Extension>(
    () =>
      EditorView.theme({
        '&': {
          fontSize: '12px',
          border: `${lineWidth}px solid ${invalid ? colorError : colorBorder}`,
          borderRadius: `${borderRadius}px`,
          backgroundColor: background,
        },
        '&.cm-focused': { outline: 'none', borderColor: invalid ? colorError : colorPrimary },
        '.cm-scroller': { fontFamily: MONOSPACE, lineHeight: 1.6 },
        '.cm-gutters': { borderRadius: `${borderRadius}px 0 0 ${borderRadius}px` },
      }),
    [lineWidth, borderRadius, colorBorder, colorError, colorPrimary, background, invalid],
  );

  const extensions = useMemo<Extension[]>(
    () => [
      yaml(),
      lint,
      look,
      EditorView.contentAttributes.of({
        'aria-label': label,
        'aria-invalid': invalid ? 'true' : 'false',
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(readOnly ? { 'aria-readonly': 'true' } : {}),
      }),
    ],
    [lint, look, label, invalid, describedBy, readOnly],
  );

  return (
    <CodeMirror
      value={value}
      onChange={handleChange}
      onCreateEditor={setView}
      extensions={extensions}
      readOnly={readOnly}
      basicSetup={{ autocompletion: false, searchKeymap: true }}
      minHeight="240px"
      maxHeight="640px"
    />
  );
}
