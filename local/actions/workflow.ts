// Workflow files: parsed with `yaml`, checked for what this stand-in runs, and matched
// against an event (`on:` with `types:`, `branches:`/`branches-ignore:`, `tags:`).
// Anything it does not run is an error naming the file and the key, never skipped quietly.
import picomatch from "picomatch";
import { parse } from "yaml";

export class WorkflowError extends Error {}

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: unknown;
  shell?: string;
  "working-directory"?: string;
  "continue-on-error"?: unknown;
  "timeout-minutes"?: unknown;
}

export interface Job {
  name?: string;
  "runs-on"?: unknown;
  needs?: string | string[];
  if?: unknown;
  steps?: Step[];
  env?: Record<string, unknown>;
  defaults?: { run?: { shell?: string; "working-directory"?: string } };
  "timeout-minutes"?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  outputs?: Record<string, string>;
  "continue-on-error"?: unknown;
}

export interface Workflow {
  file: string;
  name: string;
  on: Record<string, Record<string, unknown> | null>;
  env: Record<string, unknown>;
  defaults?: Job["defaults"];
  permissions?: unknown;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const WORKFLOW_KEYS = new Set(["name", "run-name", "on", "env", "defaults", "permissions", "concurrency", "jobs"]);
const JOB_KEYS = new Set([
  "name",
  "runs-on",
  "needs",
  "if",
  "steps",
  "env",
  "defaults",
  "timeout-minutes",
  "permissions",
  "concurrency",
  "outputs",
  "continue-on-error",
]);
const STEP_KEYS = new Set([
  "id",
  "name",
  "uses",
  "run",
  "with",
  "env",
  "if",
  "shell",
  "working-directory",
  "continue-on-error",
  "timeout-minutes",
]);
const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** Parses and checks one workflow file; throws WorkflowError in plain words. */
export function parseWorkflow(file: string, text: string): Workflow {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: true });
  } catch (e) {
    throw new WorkflowError(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!isMap(doc)) throw new WorkflowError(`${file}: a workflow must be a YAML mapping`);
  for (const k of Object.keys(doc))
    if (!WORKFLOW_KEYS.has(k)) throw new WorkflowError(`${file}: "${k}" is not a workflow key this stand-in runs`);
  const on = normalizeOn(file, doc.on);
  if (!isMap(doc.jobs) || Object.keys(doc.jobs).length === 0) throw new WorkflowError(`${file}: "jobs" must list at least one job`);
  const jobs: Record<string, Job> = {};
  for (const [id, j] of Object.entries(doc.jobs)) {
    if (!isMap(j)) throw new WorkflowError(`${file}: job "${id}" must be a mapping`);
    for (const k of Object.keys(j))
      if (!JOB_KEYS.has(k))
        throw new WorkflowError(`${file}: job "${id}": "${k}" is not supported by the Actions stand-in (it runs steps on the host)`);
    if (j["runs-on"] === undefined) throw new WorkflowError(`${file}: job "${id}" has no "runs-on"`);
    if (!Array.isArray(j.steps) || j.steps.length === 0) throw new WorkflowError(`${file}: job "${id}" has no steps`);
    j.steps.forEach((s: unknown, i: number) => {
      const where = `${file}: job "${id}", step ${i + 1}`;
      if (!isMap(s)) throw new WorkflowError(`${where} must be a mapping`);
      for (const k of Object.keys(s))
        if (!STEP_KEYS.has(k)) throw new WorkflowError(`${where}: "${k}" is not a step key this stand-in runs`);
      if ((s.uses === undefined) === (s.run === undefined))
        throw new WorkflowError(`${where}: a step needs exactly one of "uses" or "run"`);
    });
    const needs = j.needs === undefined ? [] : Array.isArray(j.needs) ? j.needs : [j.needs];
    for (const n of needs)
      if (typeof n !== "string" || !isMap(doc.jobs[n])) throw new WorkflowError(`${file}: job "${id}" needs unknown job "${String(n)}"`);
    jobs[id] = j as Job;
  }
  assertNoCycle(file, jobs);
  return {
    file,
    name: typeof doc.name === "string" ? doc.name : file,
    on,
    env: isMap(doc.env) ? doc.env : {},
    defaults: isMap(doc.defaults) ? (doc.defaults as Job["defaults"]) : undefined,
    permissions: doc.permissions,
    concurrency: doc.concurrency,
    jobs,
  };
}

function normalizeOn(file: string, on: unknown): Workflow["on"] {
  if (typeof on === "string") return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), null]));
  if (isMap(on)) {
    const out: Workflow["on"] = {};
    for (const [k, v] of Object.entries(on)) {
      if (v !== null && !isMap(v)) throw new WorkflowError(`${file}: on.${k} must be a mapping`);
      if (v && (v.paths !== undefined || v["paths-ignore"] !== undefined))
        throw new WorkflowError(`${file}: on.${k}: "paths" filters are not supported by the Actions stand-in`);
      out[k] = v;
    }
    return out;
  }
  throw new WorkflowError(`${file}: "on" must name the events that run it`);
}

function assertNoCycle(file: string, jobs: Record<string, Job>): void {
  const state = new Map<string, number>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 2) return;
    if (state.get(id) === 1) throw new WorkflowError(`${file}: jobs depend on each other in a cycle: ${[...path, id].join(" → ")}`);
    state.set(id, 1);
    for (const n of needsOf(jobs[id])) visit(n, [...path, id]);
    state.set(id, 2);
  };
  for (const id of Object.keys(jobs)) visit(id, []);
}

export function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

const DEFAULT_PR_TYPES = ["opened", "synchronize", "reopened"];
const strings = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);

/** GitHub's filter patterns: `*` stops at `/`, `**` does not, `!` negates (last match wins). */
function filterMatches(patterns: string[], name: string): boolean {
  let hit = false;
  for (const p of patterns) {
    const neg = p.startsWith("!");
    if (picomatch.isMatch(name, neg ? p.slice(1) : p, { dot: true })) hit = !neg;
  }
  return hit;
}

function refFilter(filter: Record<string, unknown> | null, kind: "branches" | "tags", name: string, file: string, event: string): boolean {
  if (!filter) return true;
  const inc = strings(filter[kind]);
  const exc = strings(filter[`${kind}-ignore`]);
  if (inc && exc) throw new WorkflowError(`${file}: on.${event} cannot use both ${kind} and ${kind}-ignore`);
  const other = kind === "branches" ? "tags" : "branches";
  const otherGiven = filter[other] !== undefined || filter[`${other}-ignore`] !== undefined;
  if (!inc && !exc) return !otherGiven;
  if (inc) return filterMatches(inc, name);
  return !filterMatches(exc!, name);
}

/** Whether `wf` runs for this event; pull_request(_target) filters apply to the base branch. */
export function triggers(wf: Workflow, event: string, payload: Record<string, unknown>): boolean {
  if (!(event in wf.on)) return false;
  const f = wf.on[event];
  if (event === "pull_request" || event === "pull_request_target") {
    const types = strings(f?.types) ?? DEFAULT_PR_TYPES;
    if (!types.includes(String(payload.action))) return false;
    const base = String((payload.pull_request as { base?: { ref?: string } })?.base?.ref ?? "");
    return refFilter(f, "branches", base, wf.file, event);
  }
  if (event === "push") {
    const ref = String(payload.ref ?? "");
    if (ref.startsWith("refs/tags/")) return refFilter(f, "tags", ref.slice(10), wf.file, event);
    return refFilter(f, "branches", ref.replace(/^refs\/heads\//, ""), wf.file, event);
  }
  return true;
}

/** The event names a file listens to, read leniently (to know which files to report on when a file is broken). */
export function listensTo(text: string, event: string): boolean {
  try {
    const doc = parse(text) as { on?: unknown } | null;
    const on = doc?.on;
    if (typeof on === "string") return on === event;
    if (Array.isArray(on)) return on.includes(event);
    return isMap(on) && event in on;
  } catch {
    return new RegExp(`\\b${event}\\b`).test(text);
  }
}
