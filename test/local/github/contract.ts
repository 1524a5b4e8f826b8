// Contract checks against GitHub's published descriptions: REST responses against
// @octokit/openapi (GHES 3.19) and webhook payloads against @octokit/openapi-webhooks.
// The documents are loaded once per process; each operation's schema is compiled on first use.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;
interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: { responses: Record<string, Json> };
}

const REST_FILE = require.resolve("@octokit/openapi/generated/ghes-3.19.json");
const HOOKS_FILE = require.resolve("@octokit/openapi-webhooks/generated/ghes-3.19.json");

let ajv: Ajv | undefined;
let rest: Spec | undefined;
let hooks: { webhooks: Record<string, Json> } | undefined;
let templates: { re: RegExp; path: string; literal: number }[] = [];
const compiled = new Map<string, ValidateFunction>();

const WIDE = new Set(["path", "ref", "basehead", "branch", "tree_sha"]);

function newAjv(allErrors: boolean): Ajv {
  const a = new Ajv({ strict: false, allErrors, logger: false, validateSchema: false });
  addFormats(a);
  a.addSchema(rest as unknown as Json, "rest");
  a.addSchema(hooks as unknown as Json, "hooks");
  return a;
}

let ajvAll: Ajv | undefined;
/** Every error for a failed validation (compiled only when something failed). */
function explain(ref: string, data: unknown): string {
  ajvAll ??= newAjv(true);
  const v = ajvAll.compile({ $ref: ref });
  v(data);
  return describe(v.errors, data);
}

function load(): Ajv {
  if (ajv) return ajv;
  rest = normalizeNullable(JSON.parse(readFileSync(REST_FILE, "utf8"))) as Spec;
  hooks = JSON.parse(readFileSync(HOOKS_FILE, "utf8")) as { webhooks: Record<string, Json> };
  // Stop at the first error (much less generated code to compile); a failure is re-checked
  // with allErrors by `explain` for a full report.
  ajv = newAjv(false);
  templates = Object.keys(rest.paths).map((p) => ({
    path: p,
    literal: p.replace(/\{[^}]+\}/g, "").length,
    re: new RegExp(
      "^" + p.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, n: string) => (WIDE.has(n) ? "(.+)" : "([^/]+)")) + "$",
    ),
  }));
  return ajv;
}

/**
 * OpenAPI 3.0's `nullable: true` → JSON Schema (`type: [t, "null"]`, or anyOf with null when
 * there is no `type`, e.g. beside `$ref`/`allOf`), so Ajv validates it exactly.
 */
function normalizeNullable(node: unknown): unknown {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = normalizeNullable(node[i]);
    return node;
  }
  if (!node || typeof node !== "object") return node;
  const o = node as Json;
  for (const k of Object.keys(o)) o[k] = normalizeNullable(o[k]);
  // GitHub's description has overlapping oneOf branches (e.g. two permissive error shapes);
  // "matches at least one" is the contract that holds.
  if (Array.isArray(o.oneOf)) {
    o.anyOf = o.oneOf;
    delete o.oneOf;
  }
  // A known quirk: some GHES operations inline an installation's `account` as
  // allOf [Simple User, Enterprise] (impossible for any real account); it means "either".
  if (
    Array.isArray(o.allOf) &&
    o.allOf.length === 2 &&
    (o.allOf as Json[])
      .map((x) => x.title)
      .sort()
      .join("|") === "Enterprise|Simple User"
  ) {
    o.anyOf = o.allOf;
    delete o.allOf;
  }
  if (!("nullable" in o)) return o;
  const nullable = o.nullable === true;
  delete o.nullable;
  if (!nullable) return o;
  if (typeof o.type === "string") {
    o.type = [o.type, "null"];
    if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
    return o;
  }
  return { anyOf: [o, { type: "null" }] };
}

const ptr = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

function compile(id: string, ref: string): ValidateFunction {
  let v = compiled.get(id);
  if (!v) {
    v = load().compile({ $ref: ref });
    compiled.set(id, v);
  }
  return v;
}

export class ContractError extends Error {}

function describe(errors: ValidateFunction["errors"], data: unknown): string {
  return (errors ?? [])
    .slice(0, 10)
    .map((e) => {
      let value: unknown = data;
      for (const k of e.instancePath.split("/").slice(1)) value = (value as Json | undefined)?.[k.replace(/~1/g, "/").replace(/~0/g, "~")];
      return `${e.instancePath || "/"} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""} (value: ${JSON.stringify(value)?.slice(0, 120)})`;
    })
    .join("\n  ");
}

/** The OpenAPI path template a concrete API path (below /api/v3) belongs to. */
export function operationFor(method: string, apiPath: string): { template: string; operation: Json } | null {
  load();
  const path = apiPath.split("?")[0].replace(/\/+$/, "");
  const m = method.toLowerCase();
  const found = templates.filter((t) => t.re.test(path) && rest!.paths[t.path][m]).sort((a, b) => b.literal - a.literal)[0];
  return found ? { template: found.path, operation: rest!.paths[found.path][m] } : null;
}

/** Throws ContractError if a REST response does not match its operation's documented response. */
export function checkResponse(method: string, apiPath: string, status: number, body: unknown): void {
  const op = operationFor(method, apiPath);
  if (!op) throw new ContractError(`${method} ${apiPath}: no such operation in GitHub's OpenAPI description`);
  const responses = op.operation.responses as Record<string, Json>;
  let resp = responses[String(status)];
  let pointer = `rest#/paths/${ptr(op.template)}/${method.toLowerCase()}/responses/${status}`;
  if (!resp) {
    if (status >= 400) {
      // Undocumented error statuses (e.g. 401 on most operations) must still be GitHub's error shape.
      const b = body as Json | null;
      if (!b || typeof b.message !== "string" || typeof b.documentation_url !== "string")
        throw new ContractError(`${method} ${apiPath} → ${status}: not GitHub's error shape: ${JSON.stringify(body)}`);
      return;
    }
    throw new ContractError(`${method} ${apiPath} → ${status}: status not documented (documented: ${Object.keys(responses).join(", ")})`);
  }
  if (typeof resp.$ref === "string") {
    pointer = `rest${resp.$ref}`;
    resp = rest!.components.responses[resp.$ref.split("/").pop() as string];
  }
  const content = resp.content as Record<string, Json> | undefined;
  if (!content || !content["application/json"]) {
    if (status === 204 && body !== null && body !== undefined && body !== "")
      throw new ContractError(`${method} ${apiPath} → 204 with a body`);
    return;
  }
  const ref = `${pointer}/content/application~1json/schema`;
  const v = compile(`${op.template} ${method} ${status}`, ref);
  if (!v(body)) throw new ContractError(`${method} ${apiPath} → ${status} does not match ${op.template}:\n  ${explain(ref, body)}`);
}

/** Throws ContractError if a webhook payload does not match the published schema for event(.action). */
export function checkWebhook(event: string, payload: Json): void {
  load();
  const base = event.replace(/_/g, "-");
  const action = typeof payload.action === "string" ? payload.action.replace(/_/g, "-") : null;
  const key = action && hooks!.webhooks[`${base}-${action}`] ? `${base}-${action}` : base;
  if (!hooks!.webhooks[key]) throw new ContractError(`webhook ${event}${action ? "." + action : ""}: no schema published`);
  const ref = `hooks#/webhooks/${ptr(key)}/post/requestBody/content/application~1json/schema`;
  const v = compile(`hook ${key}`, ref);
  if (!v(payload)) throw new ContractError(`webhook ${key} payload does not match its schema:\n  ${explain(ref, payload)}`);
}
