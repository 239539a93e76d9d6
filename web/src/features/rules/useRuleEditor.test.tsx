// @vitest-environment jsdom
import '../../test/setup';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { createTestQueryClient } from '../../test/render';
import { server } from '../../test/server';
import { ECHO_V1 } from '../../test/fixtures';
import type { RateLimitFormInput, RateLimitRule } from '../ratelimit/contract';
import type { DraftCheck, RateLimitDraft } from '../ratelimit/draft';
import { checkDraft, draftFromForm, newDraft } from '../ratelimit/draft';
import { isRenderedPath } from '../ratelimit/RateLimitFormFields';
import type { RuleEditorOptions } from './useRuleEditor';
import { useRuleEditor } from './useRuleEditor';

// The editor's behaviour, without rendering a drawer: the rate-limit kind on the hook, msw as the BFF.

const RULES = '*/api/v1/services/:id/ratelimits';

const gate = (resourceVersion = '7'): RateLimitRule => ({
  name: 'gate',
  objects: [],
  resourceVersion,
  form: {
    name: 'gate',
    limit: { requests: 10, unit: 'second' },
    scope: 'instance',
    response: { status: 429 },
    enabled: true,
    shadow: false,
  },
  yaml: '',
});

const SERVICE = { protocol: 'http', versions: [{ version: ECHO_V1, ready: 1 }] };
const check = (draft: RateLimitDraft, resourceVersion: string | undefined) =>
  checkDraft(draft, SERVICE, [], resourceVersion);

interface Sent {
  method: string;
  path: string;
  body: RateLimitFormInput | undefined;
}

/** Records every request; `answer` decides each reply (default: the rule, or an empty preview). */
function serve(answer: (sent: Sent) => Response | undefined = () => undefined) {
  const sent: Sent[] = [];
  const handle = async ({ request }: { request: Request }) => {
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/.*\/ratelimits/, '');
    const text = request.method === 'GET' ? '' : await request.text();
    const entry = {
      method: request.method,
      path,
      body: text ? (JSON.parse(text) as RateLimitFormInput) : undefined,
    };
    sent.push(entry);
    return (
      answer(entry) ??
      (path === '/preview' ? HttpResponse.json({ objects: [], warnings: [] }) : HttpResponse.json(gate()))
    );
  };
  server.use(
    http.post(`${RULES}/preview`, handle),
    http.all(`${RULES}/:name`, handle),
    http.post(RULES, handle),
  );
  return sent;
}

function renderEditor(
  overrides: Partial<RuleEditorOptions<RateLimitDraft, RateLimitFormInput, DraftCheck, RateLimitRule>> = {},
) {
  const queryClient = createTestQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  );
  const onSaved = vi.fn();
  const onClose = vi.fn();
  const hook = renderHook(
    () =>
      useRuleEditor<RateLimitDraft, RateLimitFormInput, DraftCheck, unknown, RateLimitRule>({
        resource: 'ratelimits',
        serviceId: 'echo',
        existing: { name: 'gate', resourceVersion: '7' },
        initialDraft: () => draftFromForm(gate().form),
        check,
        rendersPath: isRenderedPath,
        onSaved,
        onClose,
        ...overrides,
      }),
    { wrapper },
  );
  return { ...hook, onSaved, onClose };
}

const problem = (status: number, code: string, message: string, field?: string) =>
  HttpResponse.json({ code, message, ...(field ? { field } : {}) }, { status });

describe('useRuleEditor', () => {
  it('keeps the draft on a 409, reloads the live rule and writes on top of it', async () => {
    let live = '8';
    const sent = serve(({ method, body }) =>
      method === 'PUT' && body?.resourceVersion !== live
        ? problem(409, 'Conflict', 'Rate limit gate was changed by someone else')
        : method === 'GET'
          ? HttpResponse.json(gate(live))
          : undefined,
    );
    const { result, onSaved, onClose } = renderEditor();
    act(() => result.current.setDraft((d) => ({ ...d, requests: 20 }), 'limit.requests'));

    await act(() => result.current.handleSubmit());
    expect(result.current.conflict).toMatchObject({ code: 'Conflict', reloaded: false });
    expect(result.current.failure).toBeUndefined();
    expect(result.current.draft.requests).toBe(20);
    expect(onSaved).not.toHaveBeenCalled();

    live = '9';
    await act(() => result.current.handleReload());
    expect(result.current.conflict?.reloaded).toBe(true);
    expect(result.current.draft.requests).toBe(20);
    // The preview after the reload is the operator's draft on the live version.
    expect(sent.filter((s) => s.path === '/preview').map((s) => s.body)).toEqual([
      expect.objectContaining({ resourceVersion: '9', limit: { requests: 20, unit: 'second' } }),
    ]);
    expect(result.current.preview?.stale).toBe(false);

    await act(() => result.current.handleSubmit());
    expect(onSaved).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(sent.filter((s) => s.method === 'PUT').map((s) => s.body?.resourceVersion)).toEqual(['7', '9']);
  });

  it('offers the reload for a 409 PreconditionChanged, saying what the server said', async () => {
    const message = 'DestinationRule echo, which this change relies on, was changed by someone else';
    serve(({ method }) => (method === 'PUT' ? problem(409, 'PreconditionChanged', message) : undefined));
    const { result } = renderEditor();
    await act(() => result.current.handleSubmit());
    expect(result.current.conflict).toEqual({ code: 'PreconditionChanged', message, reloaded: false });
  });

  it('puts a 400 about a field beside that field, and one about no field in the failure', async () => {
    let field: string | undefined = 'limit.requests';
    serve(({ method }) =>
      method === 'PUT' ? problem(400, 'InvalidRequest', `${field ?? 'body'}: too many`, field) : undefined,
    );
    const { result } = renderEditor();
    await act(() => result.current.handleSubmit());
    // Beside its field, without the field's path the BFF puts before it.
    expect(result.current.feedback.errorsAt('limit.requests')).toEqual(['too many']);
    expect(result.current.feedback.errorsUnder('limit')).toEqual(['too many']);
    expect(result.current.feedback.errorsAt('name')).toEqual([]);
    expect(result.current.failure).toBeUndefined();

    // A path the form does not show is the failure's to say.
    field = 'spec.configPatches';
    await act(() => result.current.handleSubmit());
    expect(result.current.failure).toMatchObject({ during: 'save' });
    expect(result.current.feedback.errorsUnder('spec')).toEqual([]);
  });

  it('ties a failure to the body sent: an edit clears it, going back to that body shows it again', async () => {
    serve(({ path }) => (path === '/preview' ? problem(502, 'ControlPlaneUnavailable', 'down') : undefined));
    const { result } = renderEditor();
    await act(() => result.current.handlePreview());
    expect(result.current.failure).toMatchObject({ during: 'preview' });

    act(() => result.current.setDraft((d) => ({ ...d, burst: 5 }), 'burst'));
    expect(result.current.failure).toBeUndefined();
    act(() => result.current.setDraft((d) => ({ ...d, burst: null }), 'burst'));
    expect(result.current.failure).toMatchObject({ during: 'preview' });
  });

  it('marks a preview stale once the draft changes, and sends nothing while the form has problems', async () => {
    const sent = serve();
    const { result } = renderEditor({ existing: undefined, initialDraft: newDraft });
    // A new form: no problem shows until the operator has been at a field or tried to go on.
    expect(result.current.check.ready).toBe(false);
    expect(result.current.feedback.errorsAt('name')).toEqual([]);
    await act(() => result.current.handleSubmit());
    expect(sent).toEqual([]);
    expect(result.current.feedback.errorsAt('name').length).toBeGreaterThan(0);

    act(() => result.current.setDraft((d) => ({ ...d, name: 'gate2' }), 'name'));
    await act(() => result.current.handlePreview());
    await waitFor(() => expect(result.current.preview?.stale).toBe(false));
    act(() => result.current.setDraft((d) => ({ ...d, requests: 11 }), 'limit.requests'));
    expect(result.current.preview?.stale).toBe(true);
    expect(result.current.dirty).toBe(true);
  });
});
