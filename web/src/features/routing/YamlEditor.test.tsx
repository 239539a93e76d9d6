// @vitest-environment jsdom
import '../../test/setup';
import { forEachDiagnostic } from '@codemirror/lint';
import { render, screen, waitFor } from '@testing-library/react';
import { EditorView } from '@uiw/react-codemirror';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { setupUser } from './testing';
import type { YamlDiagnostic, YamlEditorProps } from './YamlEditor';
import { YamlEditor } from './YamlEditor';

const LABEL = 'YAML of the rule';
const VALID = 'apiVersion: v1\nkind: VirtualService\nspec:\n  hosts:\n    - echo\n';

/** A caller that owns the text, as the drawer does. */
function Controlled(props: Partial<YamlEditorProps> & { initial?: string }) {
  const { initial = VALID, onChange, ...rest } = props;
  const [value, setValue] = useState(initial);
  return (
    <YamlEditor
      label={LABEL}
      value={value}
      onChange={(text) => {
        setValue(text);
        onChange?.(text);
      }}
      {...rest}
    />
  );
}

// What the editor holds and what it marks, read through CodeMirror's public API.
const viewOf = (editor: HTMLElement) => {
  const view = EditorView.findFromDOM(editor);
  if (!view) throw new Error('Not a CodeMirror editor');
  return view;
};
function markedLines(editor: HTMLElement): { line: number; severity: string; message: string }[] {
  const { state } = viewOf(editor);
  const out: { line: number; severity: string; message: string }[] = [];
  forEachDiagnostic(state, (d, from) =>
    out.push({ line: state.doc.lineAt(from).number, severity: d.severity, message: d.message }),
  );
  return out;
}

describe('YamlEditor', () => {
  it('is a textbox named by its label, with the caller’s invalid state and description', async () => {
    render(
      <>
        <p id="yaml-help">Help</p>
        <Controlled invalid describedBy="yaml-help" />
      </>,
    );
    const editor = await screen.findByRole('textbox', { name: LABEL });
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    expect(editor).toHaveAccessibleDescription('Help');
    expect(viewOf(editor).state.doc.toString()).toBe(VALID);
    expect(markedLines(editor)).toEqual([]);
  });

  it('reports what is typed, and marks a parse error at its line', async () => {
    const onChange = vi.fn();
    const user = setupUser();
    render(<Controlled onChange={onChange} />);
    const editor = await screen.findByLabelText(LABEL);

    await user.click(editor);
    await user.clear(editor);
    // Let the cleared text settle (the parent's state and the editor agree) before pasting.
    await waitFor(() =>
      expect(markedLines(editor)).toEqual([
        { line: 1, severity: 'error', message: 'expected a document, but the input is empty' },
      ]),
    );
    const broken = 'kind: VirtualService\nspec:\n  hosts: a\n   x: 1\nmetadata: {}\n';
    await user.paste(broken);
    expect(onChange).toHaveBeenLastCalledWith(broken);
    expect(viewOf(editor).state.doc.toString()).toBe(broken);
    await waitFor(() =>
      expect(markedLines(editor)).toEqual([
        { line: 4, severity: 'error', message: 'bad indentation of a mapping entry' },
      ]),
    );

    await user.clear(editor);
    await waitFor(() => expect(viewOf(editor).state.doc.toString()).toBe(''));
    await user.paste(VALID);
    await waitFor(() => expect(markedLines(editor)).toEqual([]));
  });

  it('shows the diagnostics it is given at their lines, and follows them when they change', async () => {
    const first: YamlDiagnostic[] = [{ line: 3, message: 'spec.hosts is required' }];
    const { rerender } = render(<Controlled diagnostics={first} />);
    const editor = await screen.findByLabelText(LABEL);
    await waitFor(() =>
      expect(markedLines(editor)).toEqual([
        { line: 3, severity: 'error', message: 'spec.hosts is required' },
      ]),
    );

    rerender(<Controlled diagnostics={[{ line: 99, message: 'Past the end', severity: 'warning' }]} />);
    // Lines past the end land on the last line (the empty one after the final newline).
    await waitFor(() =>
      expect(markedLines(editor)).toEqual([{ line: 6, severity: 'warning', message: 'Past the end' }]),
    );
  });

  it('shows a new value from the caller without reporting it back as an edit', async () => {
    const onChange = vi.fn();
    const { rerender } = render(<YamlEditor label={LABEL} value={VALID} onChange={onChange} />);
    const editor = await screen.findByLabelText(LABEL);
    rerender(<YamlEditor label={LABEL} value={'kind: DestinationRule\n'} onChange={onChange} />);
    expect(viewOf(editor).state.doc.toString()).toBe('kind: DestinationRule\n');
    expect(onChange).not.toHaveBeenCalled();
  });

  it('ignores edits when read-only', async () => {
    const onChange = vi.fn();
    const user = setupUser();
    render(<Controlled readOnly onChange={onChange} />);
    const editor = await screen.findByLabelText(LABEL);
    expect(editor).toHaveAttribute('aria-readonly', 'true');
    await user.click(editor);
    await user.paste('extra: 1\n');
    expect(onChange).not.toHaveBeenCalled();
    expect(viewOf(editor).state.doc.toString()).toBe(VALID);
  });
});
