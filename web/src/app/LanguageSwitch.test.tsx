// @vitest-environment jsdom
import '../test/setup';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { LANGUAGE_STORAGE_KEY, i18n } from '../lib/i18n';
import { detectLanguage } from '../lib/i18n/languages';
import { echoSummary, listResponse } from '../test/fixtures';
import { renderApp } from '../test/render';
import { server } from '../test/server';

describe('Language switch', () => {
  it('switches the text, the component library and the page language, and remembers the choice', async () => {
    server.use(http.get('*/api/v1/services', () => HttpResponse.json(listResponse([echoSummary]))));
    const user = userEvent.setup();
    renderApp('/services');
    await screen.findByRole('link', { name: echoSummary.id });

    await user.click(screen.getByRole('button', { name: 'Language: English' }));
    await user.click(await screen.findByRole('menuitem', { name: '中文' }));

    expect(await screen.findByRole('heading', { name: '服务' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '语言：中文' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: '搜索服务' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '服务拓扑' })).toBeInTheDocument();
    expect(screen.getByRole('columnheader', { name: '服务ID' })).toBeInTheDocument();
    // antd's own text follows: the pagination's page-size changer.
    await waitFor(() => expect(screen.getByText('20 条/页')).toBeInTheDocument());
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('zh-CN');
    expect(detectLanguage()).toBe('zh-CN');

    await user.click(screen.getByRole('button', { name: '语言：中文' }));
    await user.click(await screen.findByRole('menuitem', { name: 'English' }));
    expect(await screen.findByRole('heading', { name: 'Services' })).toBeInTheDocument();
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('en-US');
  });

  it('starts in the remembered language', async () => {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, 'zh-CN');
    await i18n.changeLanguage(detectLanguage());
    server.use(http.get('*/api/v1/services', () => HttpResponse.json(listResponse([]))));
    renderApp('/services');

    expect(await screen.findByRole('heading', { name: '服务' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '语言：中文' })).toBeInTheDocument();
  });
});
