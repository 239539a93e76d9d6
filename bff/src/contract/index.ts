export * from './common';
export * from './catalog';
export * from './routing';
export * from './routing-checks';
export * from './monitoring';
