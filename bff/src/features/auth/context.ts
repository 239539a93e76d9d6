/** @deprecated The request context lives in `lib/request-context.ts`; kept for api/rules.ts and features/changes/flow.ts. */
export * from '../../lib/request-context';
