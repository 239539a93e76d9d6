import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { isApiError } from '../../lib/api';
import { useContractMessage, useFieldProblemText } from '../../lib/messages/translate';
import { useDiscardGuard } from './discard';
import type { FieldFeedback, ProblemMap } from './feedback';
import { NO_PROBLEMS, feedbackFor, mergeProblems } from './feedback';
import type { ChangeResource } from './queries';
import { ruleQuery, usePreviewRule, useSaveRule } from './queries';

/** What a kind's check says about the draft, with the contract the BFF checks again. */
export interface RuleCheck<Body> {
  /** What Preview or Submit would send now. */
  body: Body;
  /** The form's own problems, by the contract's dotted paths. */
  problems: ProblemMap;
  /** Whether the body may be sent: no problem the browser can see. */
  ready: boolean;
}

export interface RuleEditorOptions<Draft, Body, Check extends RuleCheck<Body>, Rule> {
  resource: ChangeResource;
  serviceId: string;
  /** The rule being edited (absent to create one): its name, and the version the form starts from. */
  existing?: { name: string; resourceVersion: string } | undefined;
  initialDraft: () => Draft;
  /**
   * The kind's checks of a draft, based on a resourceVersion (it changes after a reload). Keep it
   * stable (`useCallback`): the check runs again when it, the draft or the version changes.
   */
  check: (draft: Draft, resourceVersion: string | undefined) => Check;
  /** Whether the form shows problems of this path beside a field (else the failure says it). */
  rendersPath: (path: string) => boolean;
  /** The operator may not change the rule: nothing counts as an unsaved edit. */
  readOnly?: boolean;
  /** After a successful write (the editor closes itself with `onClose`). */
  onSaved: (rule: Rule) => void;
  onClose: () => void;
}

/** Codes of a 409 that a reload of the live rule resolves (a stale write, something relied on moved). */
const RELOADABLE_CONFLICTS: readonly string[] = ['Conflict', 'PreconditionChanged'];

interface RuleConflict {
  code: string;
  /** The BFF's explanation. */
  message: string;
  /** The live rule has been reloaded since: the form is now based on it. */
  reloaded: boolean;
}

/** A failure that is not beside a field: what failed, and the error as the BFF said it. */
interface RuleFailure {
  error: unknown;
  during: 'preview' | 'save';
}

export interface RuleEditor<Draft, Body, Check extends RuleCheck<Body>, Preview> {
  draft: Draft;
  /** Changes the draft; `touched` names the field path the operator was at (its problems show). */
  setDraft: (next: Draft | ((draft: Draft) => Draft), touched?: string) => void;
  check: Check;
  /**
   * The form's problems and the BFF's 400 about this very body, by path, in the operator's language
   * (`check.problems` are the contract's English).
   */
  problems: ProblemMap;
  feedback: FieldFeedback;
  /** Problems show everywhere (an existing rule, or after a preview or submit was tried). */
  showAll: boolean;
  /** The last preview, stale once the body changed after it. */
  preview: { data: Preview; stale: boolean } | undefined;
  /** The last failure about this very body that no field shows; an edit clears it. */
  failure: RuleFailure | undefined;
  conflict: RuleConflict | undefined;
  reloadError: unknown;
  reloading: boolean;
  submitting: boolean;
  /** A preview the operator asked for is on its way. */
  previewing: boolean;
  dirty: boolean;
  /** Closes, asking first when there are unsaved edits (Cancel, close icon, Escape, mask). */
  requestClose: () => void;
  handlePreview: () => Promise<void>;
  handleSubmit: () => Promise<void>;
  handleReload: () => Promise<void>;
}

interface Keyed<T> {
  value: T;
  /** The body it was about, as JSON. */
  key: string;
}

const keyOf = (body: unknown) => JSON.stringify(body);

/** Every message of a problem map through `text` (the contract's English to the current language). */
function translateProblems(problems: ProblemMap, text: (message: string) => string): ProblemMap {
  return new Map([...problems].map(([path, messages]) => [path, messages.map(text)]));
}

/**
 * Drives an editor of any kind of rule: the draft, checked as the operator types with the kind's
 * contract; Preview, a server-side dry run of the body; Submit, which writes at once (the BFF runs
 * the same checks and the control plane refuses what the dry run would, so the audit records a
 * refused submit as the write it was, not as a preview).
 *
 * A failure belongs to the body that was sent: a 400 naming a field the form shows lands beside
 * it, anything else in the failure; either goes as soon as the body changes. A 409 that a reload
 * resolves (a stale write; something the change relies on moved) keeps the draft and offers to
 * reload the live rule: the form is then based on its resourceVersion and a preview shows what the
 * draft does to it.
 */
export function useRuleEditor<
  Draft,
  Body,
  Check extends RuleCheck<Body>,
  Preview,
  Rule extends { resourceVersion: string },
>(options: RuleEditorOptions<Draft, Body, Check, Rule>): RuleEditor<Draft, Body, Check, Preview> {
  const {
    resource,
    serviceId,
    existing,
    check: checkDraft,
    rendersPath,
    readOnly,
    onSaved,
    onClose,
  } = options;
  const queryClient = useQueryClient();
  const [initialDraft] = useState(options.initialDraft);
  const [draft, setDraftState] = useState(initialDraft);
  const [basedOn, setBasedOn] = useState(existing?.resourceVersion);
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  // An existing rule's problems show at once; a new form waits until the operator has been there.
  const [showAll, setShowAll] = useState(existing !== undefined);
  const [failure, setFailure] = useState<Keyed<RuleFailure>>();
  const [preview, setPreview] = useState<Keyed<Preview>>();
  const [conflict, setConflict] = useState<RuleConflict>();
  const [reloadError, setReloadError] = useState<unknown>();
  const [reloading, setReloading] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const previewRule = usePreviewRule<Body, Preview>(resource, serviceId);
  const saveRule = useSaveRule<Body, Rule>(resource, serviceId);

  const check = useMemo(() => checkDraft(draft, basedOn), [checkDraft, draft, basedOn]);
  const bodyKey = keyOf(check.body);

  // What the BFF said about this very body: a 400 (or the control plane's 422) naming a field.
  const current = failure?.key === bodyKey ? failure.value : undefined;
  const error = current?.error;
  const serverField =
    isApiError(error) && (error.status === 400 || error.status === 422) && error.field !== undefined
      ? error.field
      : undefined;
  const onField = serverField !== undefined && rendersPath(serverField);
  // Shown in the operator's language: the contract's messages (zod's and the kind's checks) by
  // their keys, the BFF's refusal as a problem of its field (without the field's name).
  const contractText = useContractMessage();
  const fieldProblemText = useFieldProblemText();
  const formProblems = useMemo(
    () => translateProblems(check.problems, contractText),
    [check.problems, contractText],
  );
  const serverProblems: ProblemMap =
    onField && isApiError(error)
      ? new Map([
          [
            serverField,
            [
              fieldProblemText({
                code: error.code,
                status: error.status,
                message: error.message,
                field: serverField,
              }),
            ],
          ],
        ])
      : NO_PROBLEMS;
  const problems = serverProblems.size > 0 ? mergeProblems(formProblems, serverProblems) : formProblems;

  const touch = useCallback(
    (path: string) => setTouched((prev) => (prev.has(path) ? prev : new Set(prev).add(path))),
    [],
  );
  const setDraft = useCallback(
    (next: Draft | ((d: Draft) => Draft), touchedPath?: string) => {
      setDraftState(next);
      if (touchedPath !== undefined) touch(touchedPath);
    },
    [touch],
  );
  const feedback = feedbackFor(problems, touched, showAll, touch);

  const dirty = !readOnly && keyOf(draft) !== keyOf(initialDraft);
  const requestClose = useDiscardGuard(dirty, onClose);

  const handleFailure = (err: unknown, key: string, during: RuleFailure['during']) => {
    if (isApiError(err) && err.status === 409 && RELOADABLE_CONFLICTS.includes(err.code)) {
      setConflict({ code: err.code, message: err.message, reloaded: false });
      return;
    }
    setFailure({ value: { error: err, during }, key });
  };

  const runPreview = async (body: Body) => {
    const key = keyOf(body);
    try {
      const data = await previewRule.mutateAsync(body);
      setPreview({ value: data, key });
    } catch (err) {
      handleFailure(err, key, 'preview');
    }
  };

  /** Shows every problem; true when there is none the browser can see. */
  const ready = () => {
    setShowAll(true);
    return check.ready;
  };

  const handlePreview = async () => {
    if (!ready()) return;
    await runPreview(check.body);
  };

  const handleSubmit = async () => {
    if (!ready()) return;
    setSubmitting(true);
    try {
      const saved = await saveRule.mutateAsync({ existing: existing?.name, body: check.body });
      onSaved(saved);
      onClose();
    } catch (err) {
      handleFailure(err, bodyKey, 'save');
    } finally {
      setSubmitting(false);
    }
  };

  const handleReload = async () => {
    setReloading(true);
    setReloadError(undefined);
    try {
      let resourceVersion = basedOn;
      if (existing) {
        const live = await queryClient.fetchQuery(ruleQuery<Rule>(resource, serviceId, existing.name));
        resourceVersion = live.resourceVersion;
        setBasedOn(resourceVersion);
      }
      setConflict((c) => (c ? { ...c, reloaded: true } : c));
      // The preview's diff is from the live rule to the draft: exactly what applying adds.
      await runPreview(checkDraft(draft, resourceVersion).body);
    } catch (err) {
      setReloadError(err);
    } finally {
      setReloading(false);
    }
  };

  return {
    draft,
    setDraft,
    check,
    problems,
    feedback,
    showAll,
    preview: preview ? { data: preview.value, stale: preview.key !== bodyKey } : undefined,
    failure: current && !onField ? current : undefined,
    conflict,
    reloadError,
    reloading,
    submitting,
    previewing: previewRule.isPending && !submitting,
    dirty,
    requestClose,
    handlePreview,
    handleSubmit,
    handleReload,
  };
}
