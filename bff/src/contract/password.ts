/**
 * The shortest password a local account may have. The BFF's contract (auth.ts), the users CLI
 * and the SPA's forms all read this one constant. Zod-free, so the SPA's bundle can import it.
 */
export const PASSWORD_MIN_LENGTH = 12;
