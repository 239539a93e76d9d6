export * from './common';
export * from './catalog';
export * from './routing';
export * from './routing-checks';
export * from './monitoring';
export * from './auth';
export * from './audit';
export * from './topology';
