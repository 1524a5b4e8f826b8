// The host's first file (plain JavaScript). Every .ts file the host loads is a mirror copy
// whose types the core already stripped (bot/plugin-host/mirror.ts): it is loaded as
// JavaScript, so Node's TypeScript stripper never starts in the sandbox. The allowed packages
// resolve from the checkout's node_modules (the mirror has none). Then the entry proper.
// argv[2]: { "root": the checkout, "packages": the package names plugins may import }.
import { registerHooks } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const { root, packages } = JSON.parse(process.argv[2] ?? "{}");
const allowed = new Set(Array.isArray(packages) ? packages : []);
const fromCheckout = pathToFileURL(`${root}/package.json`).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
    if (allowed.has(name)) return nextResolve(specifier, { ...context, parentURL: fromCheckout });
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (url.startsWith("file:") && url.endsWith(".ts")) return { format: "module", source: readFileSync(fileURLToPath(url), "utf8"), shortCircuit: true };
    return nextLoad(url, context);
  },
});

await import("./main.ts");
