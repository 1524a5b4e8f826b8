// The bot core never loads plugin-area code: plugins run only in the sandboxed plugin host.
// Every import in bot/ (but the plugin area and the host's sandboxed entry) and in app/ is
// resolved, and none may land in bot/plugins/ — the core reads only bot/plugins/settings.json,
// as data.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PLUGINS = join(ROOT, "bot/plugins");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of import/export-from statements and import() calls (type-only ones are erased, so skipped). */
function imports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+["'](\.[^"']+)["']/gms)) if (!m[2]) found.push(m[3]);
  for (const m of source.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g)) found.push(m[1]);
  for (const m of source.matchAll(/^\s*import\s+["'](\.[^"']+)["']/gm)) found.push(m[1]);
  return found;
}

describe("the bot core and the app load no plugin code", () => {
  const core = [...files(join(ROOT, "bot")), ...files(join(ROOT, "app"))].filter(
    (f) => !f.startsWith(`${PLUGINS}/`) && !f.startsWith(join(ROOT, "bot/plugin-host/sandboxed/")),
  );

  it("reads every core file (the scan is not empty)", () => {
    expect(core.length).toBeGreaterThan(50);
    expect(core.some((f) => f.endsWith("bot/create-bot.ts"))).toBe(true);
  });

  it("no import of the core resolves into bot/plugins/", () => {
    const offending = core.flatMap((file) =>
      imports(readFileSync(file, "utf8"))
        .map((spec) => ({ file: relative(ROOT, file), target: resolve(dirname(file), spec) }))
        .filter((i) => i.target.startsWith(`${PLUGINS}/`) || i.target === PLUGINS),
    );
    expect(offending).toEqual([]);
  });

  it("the scan would see one (a planted import is found)", () => {
    const planted = imports(
      'import { plugins } from "../plugins/index.ts";\nexport { x } from "./y.ts";\nconst p = await import("../plugins/ping/index.ts");\n',
    );
    expect(planted).toEqual(["../plugins/index.ts", "./y.ts", "../plugins/ping/index.ts"]);
    expect(imports('import type { Plugin } from "../plugins/index.ts";\n')).toEqual([]);
  });
});
