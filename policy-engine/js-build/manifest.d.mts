// Types of manifest.mjs (plain JavaScript, so that cli.mjs can run it before any type stripping).
export declare const BUILD_FORMAT: number;
export declare const ROOT: string;
export declare const BUILD_DIR: string;
export declare const MANIFEST: string;
export declare const ASSETS: readonly string[];
export declare const ENTRY: string;
export declare function sha256(bytes: string | Uint8Array): string;
export declare function listFiles(base: string, dir: string, regularOnly?: boolean): string[];
export declare function digests(base: string, paths: readonly string[]): Record<string, string>;
export declare function sourceDigests(root?: string): Record<string, string>;
export declare function checkBuild(root?: string, dir?: string): { entry: string } | { stale: string };
