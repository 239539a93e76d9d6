/** The programs the build produces (dist/bff/<name>.js), each from its CLI entry point. */
export declare const ENTRY_POINTS: { start: string; users: string };
/** Files the bundle reads at run time, copied under dist/ where its relative paths land. */
export declare const RUNTIME_FILES: { from: string; to: string }[];
/** True when `outDir` holds a build at least as new as every source. */
export declare function isFresh(outDir?: string): boolean;
/** Bundles the BFF into `outDir` (default dist/bff) and copies the runtime files beside it. */
export declare function buildBff(outDir?: string): Promise<{ outDir: string; entryPoints: string[] }>;
