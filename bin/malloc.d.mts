// Types of bin/malloc.mjs (plain JavaScript, read by the launcher before TypeScript is loaded).
export declare const MALLOC_TUNABLES: Readonly<Record<string, string>>;
export declare function runsOnGlibc(): boolean;
export declare function missingMallocTunables(glibcTunables: string | undefined): string[];
export declare function tunedGlibcTunables(env: Record<string, string | undefined>): string | undefined;
