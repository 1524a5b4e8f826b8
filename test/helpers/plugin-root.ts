// A checkout-shaped folder holding given plugins, for tests that start the real plugin host
// on them: the plugin API and the host's entry are copied (the host resolves plugins next to
// its own entry), node_modules is linked, bot/plugins/ holds the plugins and their registry.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/**
 * `plugins` maps a plugin name to its index.ts source (or a file path under bot/plugins/ to
 * its content, when the name holds a slash); the registry imports every named plugin.
 */
export function pluginRoot(plugins: Record<string, string>, o: { registry?: string; settings?: object } = {}): string {
  const root = mkdtempSync(join(tmpdir(), "ouro-plugins-"));
  for (const dir of ["bot/plugin-api", "bot/plugin-host/sandboxed"]) cpSync(join(REPO, dir), join(root, dir), { recursive: true });
  cpSync(join(REPO, "package.json"), join(root, "package.json"));
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
  mkdirSync(join(root, "bot/plugins"), { recursive: true });
  const names: string[] = [];
  for (const [key, source] of Object.entries(plugins)) {
    const file = key.includes("/") ? join(root, "bot/plugins", key) : join(root, "bot/plugins", key, "index.ts");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
    if (!key.includes("/")) names.push(key);
  }
  const ident = (n: string) => `p_${n.replace(/-/g, "_")}`;
  const registry =
    o.registry ??
    `import type { Plugin } from "../plugin-api/index.ts";\n${names.map((n) => `import ${ident(n)} from "./${n}/index.ts";`).join("\n")}\n\nexport const plugins: Plugin[] = [${names.map(ident).join(", ")}];\n`;
  writeFileSync(join(root, "bot/plugins/index.ts"), registry);
  writeFileSync(join(root, "bot/plugins/settings.json"), JSON.stringify(o.settings ?? {}));
  return root;
}

/** The repository's own /ping plugin source, to put beside test plugins. */
export const PING_SOURCE = `import { definePlugin } from "../../plugin-api/index.ts";\nexport default definePlugin({ name: "ping", description: "Answers /ping", commands: [{ name: "ping", description: "Check", async run(call) { await call.reply("Pong!"); } }] });\n`;
