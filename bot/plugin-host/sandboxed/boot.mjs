// The host's first file (plain JavaScript), run before any plugin code:
// - every .ts file the host loads is a mirror copy whose types the core already stripped
//   (bot/plugin-host/mirror.ts): it is loaded as JavaScript, so Node's TypeScript stripper
//   never starts in the sandbox;
// - the allowed packages resolve from the checkout's node_modules, at its real path (the mirror
//   has none);
// - imports are limited to files, the allowed packages and the allowed built-ins: no data:
//   URLs, no node:vm (code from strings), no node:sqlite (which Node's permission model does
//   not cover), no net/http (unix sockets); process.getBuiltinModule is filtered the same way.
// argv[2]: { "modules": the checkout's node_modules (real path), "packages": [...], "builtins": [...] }.
import { builtinModules, registerHooks } from "node:module";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const { modules, packages, builtins } = JSON.parse(process.argv[2] ?? "{}");
const allowedPackages = new Set(Array.isArray(packages) ? packages : []);
const allowedBuiltins = new Set(Array.isArray(builtins) ? builtins : []);
const isBuiltin = (s) => s.startsWith("node:") || builtinModules.includes(s.split("/")[0]);
const builtinAllowed = (s) => allowedBuiltins.has(s.replace(/^node:/, ""));
const fromCheckout = pathToFileURL(`${dirname(modules)}/package.json`).href;

const refuse = (what) => {
  const err = new Error(`the plugin host does not provide ${what}`);
  err.code = "ERR_OURO_NOT_ALLOWED";
  return err;
};

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (isBuiltin(specifier)) {
      if (!builtinAllowed(specifier)) throw refuse(`the built-in module ${specifier} (allowed: ${[...allowedBuiltins].join(", ")})`);
      return nextResolve(specifier, context);
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !specifier.startsWith("file:")) throw refuse(`${specifier.split(":")[0]}: imports`);
    const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
    if (allowedPackages.has(name)) return nextResolve(specifier, { ...context, parentURL: fromCheckout });
    const resolved = nextResolve(specifier, context);
    if (!resolved.url.startsWith("file:") && !resolved.url.startsWith("node:")) throw refuse(`${resolved.url.split(":")[0]}: imports`);
    return resolved;
  },
  load(url, context, nextLoad) {
    if (url.startsWith("file:") && url.endsWith(".ts"))
      return { format: "module", source: readFileSync(fileURLToPath(url), "utf8"), shortCircuit: true };
    return nextLoad(url, context);
  },
});

const getBuiltinModule = process.getBuiltinModule;
Object.defineProperty(process, "getBuiltinModule", {
  value(id) {
    if (typeof id !== "string" || !builtinAllowed(id)) throw refuse(`the built-in module ${id}`);
    return getBuiltinModule(id);
  },
  writable: false,
  configurable: false,
});

await import("./main.ts");
