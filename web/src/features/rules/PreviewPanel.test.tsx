// @vitest-environment jsdom
import '../../test/setup';
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AppProviders } from '../../app/AppProviders';
import { createTestQueryClient } from '../../test/render';
import { PreviewPanel } from './PreviewPanel';
import { previewOf } from '../routing/testing';

function renderPanel(ui: React.ReactElement) {
  return render(<AppProviders queryClient={createTestQueryClient()}>{ui}</AppProviders>);
}

describe('PreviewPanel', () => {
  it('shows each object with its action, the diff coloured by line, and the warnings', () => {
    const preview = previewOf('echo-split', {
      warnings: [{ code: 'version-without-instances', message: 'Version v3 has no instances' }],
    });
    renderPanel(<PreviewPanel preview={preview} stale={false} showChanges />);
    expect(screen.getByText('Create')).toBeInTheDocument();
    expect(screen.getByText('Version v3 has no instances')).toBeInTheDocument();
    const diff = screen.getByLabelText('Changes to VirtualService echo-split');
    expect([...diff.querySelectorAll('[data-diff]')].map((l) => l.getAttribute('data-diff'))).toEqual([
      'file',
      'file',
      'hunk',
      'added',
      'added',
      'removed',
    ]);
    expect(screen.queryByText(/Stock Istio prunes spec.dubbo/)).not.toBeInTheDocument();
  });

  it('notes that stock Istio prunes spec.dubbo for the sofa dialect, and when the preview is stale', () => {
    renderPanel(
      <PreviewPanel preview={previewOf('echo-split', { dialect: 'sofa' })} stale showChanges={false} />,
    );
    expect(screen.getByText(/Stock Istio prunes spec.dubbo/)).toBeInTheDocument();
    expect(screen.getByText(/The form changed after this preview/)).toBeInTheDocument();
    const yaml = screen.getByLabelText('YAML of VirtualService echo-split');
    expect(yaml).toHaveTextContent('kind: VirtualService');
    const region = screen.getByLabelText('Preview', { selector: 'section' });
    expect(within(region).getByText('Copy YAML')).toBeInTheDocument();
    expect(within(region).getByText('Download YAML')).toBeInTheDocument();
  });
});
