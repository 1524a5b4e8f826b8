// Types of build.mjs (plain JavaScript, run at install).
export declare function relink(path: string, code: string, sources: ReadonlySet<string>): { code: string; targets: Set<string> };
export declare function writeBuild(root: string, dir: string): void;
export declare function build(root?: string, target?: string): "current" | "built";
