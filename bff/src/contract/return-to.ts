/**
 * Whether a `returnTo` value is a path of this console, safe to send a browser to after signing in:
 * one leading slash (not `//host` or `/\host`, which browsers read as another site), no backslash,
 * tab or line break (which browsers strip or turn into slashes), and of sane length. The BFF and
 * the SPA both use this one rule. Zod-free, so the SPA's first bundle can import it.
 */
export function isSafeReturnPath(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return false;
  if (!value.startsWith('/') || value.startsWith('//')) return false;
  return !/[\\\r\n\t]/.test(value);
}
