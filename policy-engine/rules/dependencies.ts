// Dependency rules for package.json and package-lock.json changes: denylist, allowlist,
// non-registry sources, install scripts.
import type { ChangedFile } from "../types.ts";
import { strictSeverity, type Emit, type RuleContext } from "./context.ts";

const DEP_FIELDS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "bundleDependencies"] as const;
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare"];
const NON_REGISTRY = /^(?:git\+|git:|github:|gitlab:|bitbucket:|https?:|file:|link:|\.{0,2}\/)|^[\w.-]+\/[\w.-]+(?:#.*)?$/;

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function lineOf(text: string | undefined, needle: string): number | undefined {
  if (!text) return undefined;
  const i = text.indexOf(needle);
  return i < 0 ? undefined : text.slice(0, i).split("\n").length;
}

function matchesPackage(list: string[], name: string, version?: string): boolean {
  return list.some((entry) => {
    const at = entry.lastIndexOf("@");
    if (at > 0) return entry.slice(0, at) === name && version !== undefined && version.replace(/^[\^~=v]/, "") === entry.slice(at + 1);
    return entry === name;
  });
}

export function checkDependencies(ctx: RuleContext, emit: Emit): void {
  for (const file of ctx.change.files) {
    if (file.status === "deleted" || file.binary) continue;
    const base = file.path.slice(file.path.lastIndexOf("/") + 1);
    if (base === "package.json") checkManifest(ctx, file, emit);
    else if (base === "package-lock.json" || base === "npm-shrinkwrap.json") checkLockfile(ctx, file, emit);
  }
}

function checkManifest(ctx: RuleContext, file: ChangedFile, emit: Emit): void {
  const { dependencies: rules } = ctx.policy;
  const after = parseJson(file.after);
  if (!after) {
    emit({ rule: "deps/invalid-manifest", severity: "error", file: file.path, message: "package.json is not a JSON object" });
    return;
  }
  const before = parseJson(file.before) ?? {};
  for (const field of DEP_FIELDS) {
    const now = record(after[field]);
    const was = record(before[field]);
    for (const [name, spec] of Object.entries(now)) {
      const version = typeof spec === "string" ? spec : undefined;
      if (was[name] === spec) continue;
      const line = lineOf(file.after, `"${name}"`);
      if (matchesPackage(rules.deny, name, version)) {
        emit({
          rule: "deps/denied",
          severity: "error",
          file: file.path,
          line,
          message: `${name}${version ? `@${version}` : ""} is on the dependency denylist`,
        });
      } else if (rules.allow.length > 0 && !matchesPackage(rules.allow, name, version)) {
        emit({
          rule: "deps/not-allowed",
          severity: strictSeverity(ctx),
          file: file.path,
          line,
          message: `${name} is not on the dependency allowlist`,
        });
      }
      if (version !== undefined && NON_REGISTRY.test(version)) {
        emit({
          rule: "deps/non-registry",
          severity: strictSeverity(ctx),
          file: file.path,
          line,
          message: `${name} comes from "${version}", not the registry`,
        });
      }
    }
  }
  const scripts = record(after.scripts);
  const oldScripts = record(before.scripts);
  for (const name of INSTALL_SCRIPTS) {
    if (scripts[name] !== undefined && scripts[name] !== oldScripts[name]) {
      emit({
        rule: "deps/install-script",
        severity: strictSeverity(ctx),
        file: file.path,
        line: lineOf(file.after, `"${name}"`),
        message: `adds or changes the "${name}" lifecycle script (runs on install)`,
      });
    }
  }
}

function checkLockfile(ctx: RuleContext, file: ChangedFile, emit: Emit): void {
  const { dependencies: rules } = ctx.policy;
  const after = parseJson(file.after);
  if (!after) {
    emit({ rule: "deps/invalid-lockfile", severity: "error", file: file.path, message: "lockfile is not a JSON object" });
    return;
  }
  const before = record(parseJson(file.before)?.packages);
  for (const [key, value] of Object.entries(record(after.packages))) {
    if (key === "") continue;
    const entry = record(value);
    const old = record(before[key]);
    if (old.version === entry.version && old.resolved === entry.resolved && old.hasInstallScript === entry.hasInstallScript) continue;
    const name = typeof entry.name === "string" ? entry.name : key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    const version = typeof entry.version === "string" ? entry.version : undefined;
    const line = lineOf(file.after, `"${key}"`);
    if (matchesPackage(rules.deny, name, version)) {
      emit({
        rule: "deps/denied",
        severity: "error",
        file: file.path,
        line,
        message: `${name}@${version ?? "?"} is on the dependency denylist`,
      });
    }
    if (entry.hasInstallScript === true && !rules.installScripts && !matchesPackage(rules.installScriptsAllow, name, version)) {
      emit({
        rule: "deps/install-script",
        severity: "error",
        file: file.path,
        line,
        message: `${name}@${version ?? "?"} runs an install script (hasInstallScript)`,
      });
    }
    if (typeof entry.resolved === "string" && !entry.resolved.startsWith("https://registry.npmjs.org/") && entry.link !== true) {
      emit({
        rule: "deps/non-registry",
        severity: strictSeverity(ctx),
        file: file.path,
        line,
        message: `${name} resolves to ${entry.resolved}, not registry.npmjs.org`,
      });
    }
  }
}
