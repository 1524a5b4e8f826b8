// Network rules: fetch / WebSocket / EventSource / http(s).get|request must target an
// allowed host, known from literals (string, template with a literal host, new URL(…)).
import type { Analysis } from "./analysis.ts";
import { isIdentifier, isStringLiteral, type CallLike, type Node } from "./ast.ts";
import { hostAllowed, hostFromPrefix } from "./hosts.ts";
import { splitModulePath, unwrap } from "./values.ts";

export const HTTP_MODULES = new Set(["http", "https"]);
export const NETWORK_FUNCTIONS = new Set(["fetch", "WebSocket", "EventSource"]);

/** A call of a network function (resolved `callee`, `.call`/`.apply` taken off); true when it is one. */
export function checkNetworkCall(a: Analysis, node: CallLike, callee: string, args: readonly Node[], isNew: boolean): boolean {
  if (callee === "fetch" && !isNew) {
    checkUrl(a, args[0], node, "fetch");
    return true;
  }
  if ((callee === "WebSocket" || callee === "EventSource") && isNew) {
    checkUrl(a, args[0], node, `new ${callee}`);
    return true;
  }
  if (callee === "XMLHttpRequest" || callee === "navigator.sendBeacon") {
    a.report(node, "api/network", `uses ${callee} (use fetch to an allowed host)`);
    return true;
  }
  const mod = splitModulePath(callee);
  if (mod && HTTP_MODULES.has(mod.module) && (mod.member === "get" || mod.member === "request")) {
    checkHttpCall(a, args, node, `${mod.module}.${mod.member}`);
    return true;
  }
  return false;
}

// call.fetch("https://…"): the plugin API's fetch, enforced by the core; a literal host that
// is not allowed is reported here already (a computed one is left to the core)
export function checkCapabilityFetch(a: Analysis, node: CallLike): void {
  const { scope } = a;
  const arg = node.arguments[0] as Node | undefined;
  if (node.type !== "CallExpression" || scope.memberName(node.callee) !== "fetch" || !arg) return;
  const whole = scope.fold(arg);
  const host = whole !== undefined ? hostFromPrefix(whole, true) : hostFromPrefix(scope.prefix(arg), false);
  if (host === undefined || !/^(https?|wss?):/i.test(whole ?? scope.prefix(arg))) return;
  const allowed = a.policy.network.allowedHosts;
  if (!hostAllowed(allowed, host)) {
    a.report(
      node,
      "api/network",
      `fetch to ${host || "a URL without a host"}, which is not an allowed host (allowed: ${allowed.join(", ") || "none"})`,
    );
  }
}

function flagHost(a: Analysis, node: Node, what: string, host: string | undefined): void {
  const allowed = a.policy.network.allowedHosts;
  if (host === undefined) {
    a.report(node, "api/network", `${what} to a URL whose host is not a literal (allowed hosts: ${allowed.join(", ") || "none"})`);
  } else if (!hostAllowed(allowed, host)) {
    a.report(node, "api/network", `${what} to ${host || "a URL without a host"}, which is not an allowed host`);
  }
}

/** The host a URL argument (string, template, concatenation, new URL(…)) points at. */
function hostOf(a: Analysis, arg: Node | undefined): string | undefined {
  if (arg === undefined) return undefined;
  const { scope } = a;
  const e = unwrap(arg);
  if (e.type === "NewExpression" && isIdentifier(e.callee) && e.callee.name === "URL" && !scope.aliases.has("URL")) {
    const [u, base] = e.arguments as Node[];
    const full = u ? scope.fold(u) : undefined;
    const baseText = base ? scope.fold(base) : undefined;
    if (full === undefined || (base !== undefined && baseText === undefined)) return undefined;
    return hostFromPrefix(full, true, baseText);
  }
  const full = scope.fold(e);
  return full !== undefined ? hostFromPrefix(full, true) : hostFromPrefix(scope.prefix(e), false);
}

function checkUrl(a: Analysis, arg: Node | undefined, node: Node, what: string): void {
  flagHost(a, node, what, hostOf(a, arg));
}

/** http(s).get/request(url?, options?, callback?): every URL and every host option must be allowed. */
function checkHttpCall(a: Analysis, args: readonly Node[], node: Node, what: string): void {
  let sawTarget = false;
  for (const arg of args) {
    const e = unwrap(arg);
    if (e.type === "ArrowFunctionExpression" || e.type === "FunctionExpression") continue;
    if (e.type !== "ObjectExpression") {
      sawTarget = true;
      flagHost(a, node, what, hostOf(a, e));
      continue;
    }
    for (const p of e.properties) {
      if (p.type === "SpreadElement" || p.shorthand || p.computed) {
        a.report(node, "api/network", `${what} with request options that cannot be checked`);
        return;
      }
      const k = p.key as Node;
      const key = isIdentifier(k) ? k.name : isStringLiteral(k) ? k.value : "";
      if (key === "host" || key === "hostname") {
        sawTarget = true;
        // a getter or method is no literal value
        const h = p.kind === "init" && !p.method ? a.scope.fold(p.value) : undefined;
        flagHost(a, node, what, h === undefined ? undefined : hostFromPrefix(`https://${h}/`, true));
      } else if (key === "socketPath" || key === "lookup" || key === "createConnection" || key === "agent") {
        a.report(node, "api/network", `${what} with a custom ${key} (the host cannot be checked)`);
      }
    }
  }
  if (!sawTarget) flagHost(a, node, what, undefined);
}
