/**
 * One language's text for a namespace, given the English resources: exactly the same keys, nested
 * the same way (a key missing or added is a type error), any strings as values.
 */
export type Translation<T> = { readonly [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };
