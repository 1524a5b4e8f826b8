// app metrics: the app's Prometheus `/metrics` on its public listener, scraped with fetch while
// a change goes through the real app (the bot link → tracking issue → PR as the App → a
// passing check → automerge). The figures move (changes by state, webhook deliveries by event
// and outcome, the agent run histogram), the text passes a strict parser of the exposition
// format 0.0.4, nothing in it names a person, a request or a secret, and a scrape while the
// store cannot be written still answers (the store's database file immutable, immutable.ts).
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DATABASE_FILE } from "../../app/store/database.ts";
import { actor, REPO, startWorld, TOKEN } from "./harness.ts";
import type { World } from "./harness.ts";
import { setImmutable } from "./immutable.ts";

let w: World;
let locked: string | null = null;

beforeAll(async () => {
  w = await startWorld();
});
afterAll(async () => {
  if (locked) setImmutable([locked], false);
  await w?.close();
});

// ---- a strict parser of the text exposition format 0.0.4 ----

type Labels = Record<string, string>;
interface Sample {
  name: string;
  labels: Labels;
  value: number;
}
interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["", "_sum", "_count"] };

function parseValue(s: string, where: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  if (!FLOAT.test(s)) throw new Error(`${where}: not a sample value: ${s}`);
  return Number(s);
}

/** Unescapes `\\`, `\"` (label values only) and `\n`; any other escape is an error. */
function unescape(s: string, quotes: boolean, where: string): string {
  return s.replace(/\\(.?)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && quotes) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

/** `name{a="x",b="y"} value [timestamp]`, strictly. */
function parseSample(line: string, where: string): Sample {
  const m = /^([^\s{]+)(\{.*\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample line: ${line}`);
  const [, name, braces, value] = m;
  if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
  const labels: Labels = {};
  if (braces) {
    let rest = braces.slice(1, -1);
    while (rest.length > 0) {
      const l = /^([^=]+)="((?:[^"\\]|\\.)*)"(,?)/.exec(rest);
      if (!l) throw new Error(`${where}: bad labels ${braces}`);
      const [all, key, raw, comma] = l;
      if (!LABEL.test(key) || key.startsWith("__")) throw new Error(`${where}: bad label name ${key}`);
      if (key in labels) throw new Error(`${where}: label ${key} twice`);
      labels[key] = unescape(raw, true, where);
      rest = rest.slice(all.length);
      if (!comma && rest.length > 0) throw new Error(`${where}: labels not separated by commas: ${braces}`);
      if (comma && rest.length === 0) throw new Error(`${where}: trailing comma in ${braces}`);
    }
  }
  return { name, labels, value: parseValue(value, where) };
}

const key = (s: Pick<Sample, "name" | "labels">) =>
  `${s.name}${JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

/**
 * Families by name. Strict: every family has one HELP and one TYPE before its samples, its
 * samples come together, no sample twice, sample names fit the type, and each histogram has
 * increasing `le` bounds with cumulative counts, a `+Inf` bucket equal to `_count`, and `_sum`.
 */
function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | null = null;
  const familyFor = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      families.set(name, (f = { name, type: "", help: "", samples: [] }));
    } else if (f !== current) throw new Error(`${name} appears again after other families`);
    current = f;
    return f;
  };
  text
    .slice(0, -1)
    .split("\n")
    .forEach((line, i) => {
      const where = `line ${i + 1}`;
      if (line === "") return;
      const meta = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t](.*))?$/.exec(line);
      if (meta) {
        const [, what, name, rest = ""] = meta;
        if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
        const f = familyFor(name);
        if (f.samples.length > 0) throw new Error(`${where}: ${what} for ${name} after its samples`);
        if (what === "HELP") {
          if (f.help) throw new Error(`${where}: second HELP for ${name}`);
          f.help = unescape(rest, false, where);
        } else {
          if (f.type) throw new Error(`${where}: second TYPE for ${name}`);
          if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
          f.type = rest;
        }
        return;
      }
      if (line.startsWith("#")) return; // a comment
      const s = parseSample(line, where);
      const base = [...families.values()].find((f) => (SUFFIXES[f.type] ?? [""]).some((x) => `${f.name}${x}` === s.name));
      const f = familyFor(base?.name ?? s.name);
      if (!f.type) f.type = "untyped";
      if (f.type === "histogram" && (s.name === `${f.name}_bucket`) !== "le" in s.labels)
        throw new Error(`${where}: le belongs on ${f.name}_bucket only`);
      if (seen.has(key(s))) throw new Error(`${where}: sample ${key(s)} twice`);
      seen.add(key(s));
      f.samples.push(s);
    });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const k = key({ name: "", labels: rest });
    series.set(k, [...(series.get(k) ?? []), s]);
  }
  for (const [k, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const bounds = buckets.map((b) => parseValue(b.labels.le, `${f.name} le`));
    if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1])) throw new Error(`${f.name}${k}: le bounds not increasing`);
    if (buckets.some((b, i) => i > 0 && b.value < buckets[i - 1].value)) throw new Error(`${f.name}${k}: buckets not cumulative`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (bounds.at(-1) !== Infinity || !count || buckets.at(-1)!.value !== count.value)
      throw new Error(`${f.name}${k}: no +Inf bucket equal to _count`);
    if (!samples.some((s) => s.name === `${f.name}_sum`)) throw new Error(`${f.name}${k}: no _sum`);
  }
}

/** The value of one sample (labels exactly), or undefined. */
function value(fams: Map<string, Family>, family: string, labels: Labels = {}, name = family): number | undefined {
  const want = key({ name, labels });
  return fams.get(family)?.samples.find((s) => key(s) === want)?.value;
}

/** The sum of a family's samples whose labels include `labels`. */
function sum(fams: Map<string, Family>, family: string, labels: Labels = {}): number {
  return (fams.get(family)?.samples ?? [])
    .filter((s) => s.name === family && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

async function scrape(): Promise<{ text: string; fams: Map<string, Family> }> {
  const res = await fetch(`${w.app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  return { text, fams: parseExposition(text) };
}

const RUNS = "ouro_app_agent_run_duration_seconds";
const DELIVERIES = "ouro_app_webhook_deliveries_total";

it("the strict parser refuses what is not the exposition format", () => {
  const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n';
  expect(value(parseExposition(ok), "a_total", { x: "1" })).toBe(2);
  for (const bad of [
    ok.slice(0, -1), // no final newline
    `${ok}a_total{x="1"} 3\n`, // a sample twice
    ok.replace("counter", "countr"),
    ok.replace(" 2\n", " two\n"),
    ok.replace('x="1"', 'x="1",'),
    ok.replace('x="1"', "x=1"),
    ok.replace('x="1"', 'x="\\t"'),
    `${ok}# TYPE b gauge\nb 1\na_total{x="2"} 1\n`, // a family split in two
    '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
  ])
    expect(() => parseExposition(bad), bad).toThrow();
});

it("app metrics: a change through the bot link to a PR, a check and a merge moves the figures", async () => {
  const before = await scrape();
  for (const f of before.fams.values()) {
    expect(f.help, f.name).not.toBe("");
    expect(f.name, "our names are ouro_app_*, process_* or nodejs_*").toMatch(/^(ouro_app_|process_|nodejs_)/);
    if (f.type === "counter") expect(f.name).toMatch(/_total$/);
  }
  expect(before.fams.get(RUNS)?.type).toBe("histogram");
  expect(before.fams.get(DELIVERIES)?.type).toBe("counter");
  expect(sum(before.fams, "ouro_app_changes")).toBe(0);
  expect(value(before.fams, "ouro_app_queue_depth")).toBe(0);
  expect(value(before.fams, "ouro_app_store_writable")).toBe(1);
  expect(value(before.fams, "ouro_app_breaker_state", { state: "closed" })).toBe(1);
  expect(value(before.fams, "ouro_app_breaker_state", { state: "open" })).toBe(0);
  expect(value(before.fams, "ouro_app_breaker_failures")).toBe(0);
  expect(value(before.fams, "ouro_app_emergency_stop")).toBe(0);
  expect(value(before.fams, "process_cpu_seconds_total")).toBeGreaterThan(0);
  expect(value(before.fams, "process_resident_memory_bytes")).toBeGreaterThan(0);
  expect(value(before.fams, "process_start_time_seconds")).toBeLessThanOrEqual(Date.now() / 1000);

  const sent = await w.api("POST", "/changes", {
    id: "discord-4242",
    requester: actor("424242424242", "zoë the requester"),
    text: "docs: describe the quiet-walrus command",
  });
  expect(sent.status).toBe(201);
  await w.settle();
  const c = w.app.store.changes.byId("discord-4242")!;
  expect(c.state).toBe("checks");
  const atPr = await scrape();
  expect(value(atPr.fams, "ouro_app_changes", { kind: "change", state: "checks" })).toBe(1);
  expect(value(atPr.fams, RUNS, { run: "change", outcome: "ok" }, `${RUNS}_count`)).toBe(1);

  await w.check(c.headSha!, "success");
  await w.settle();
  expect(((await w.gh.driver.pull(REPO, c.prNumber!)) as { merged: boolean }).merged).toBe(true);
  const { text, fams } = await scrape();
  expect(value(fams, "ouro_app_changes", { kind: "change", state: "merged" })).toBe(1);
  expect(value(fams, "ouro_app_changes", { kind: "change", state: "checks" })).toBe(0);
  expect(sum(fams, "ouro_app_changes")).toBe(1);
  expect(value(fams, "ouro_app_queue_depth")).toBe(0);
  // one agent run, timed, in every bucket from the first that holds it up to +Inf
  const runs = { run: "change", outcome: "ok" };
  expect(value(fams, RUNS, runs, `${RUNS}_count`)).toBe(1);
  expect(value(fams, RUNS, { ...runs, le: "+Inf" }, `${RUNS}_bucket`)).toBe(1);
  expect(value(fams, RUNS, runs, `${RUNS}_sum`)).toBeGreaterThan(0);
  // every delivery GitHub made to the app counted once, by event, all processed
  const made = w.gh.deliveries.list({ appId: w.reg.appId });
  expect(made.every((d) => d.status === "OK")).toBe(true);
  expect(sum(fams, DELIVERIES)).toBe(made.length);
  expect(sum(fams, DELIVERIES, { outcome: "processed" })).toBe(made.length);
  for (const event of ["issues", "pull_request"])
    expect(sum(fams, DELIVERIES, { event }), event).toBe(made.filter((d) => d.event === event).length);
  expect(sum(fams, DELIVERIES, { event: "pull_request" })).toBeGreaterThan(0); // the merge, at least

  // counts only: no request text, no person, no id of a change, no secret
  for (const secret of ["quiet-walrus", "424242424242", "zoë", "discord-4242", TOKEN, w.config.webhookSecret])
    expect(text).not.toContain(secret);

  // forged webhooks are counted as rejected, under a known event name or `other`, never the header's own text
  for (const event of ["issues", "made-up-event"]) {
    const res = await fetch(`${w.app.url}${w.config.webhookPath}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": "forged-1" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  }
  const forged = await scrape();
  expect(value(forged.fams, DELIVERIES, { event: "issues", outcome: "rejected" })).toBe(1);
  expect(value(forged.fams, DELIVERIES, { event: "other", outcome: "rejected" })).toBe(1);
  expect(forged.text).not.toContain("made-up-event");

  // GitHub sends the merge's delivery again (same GUID): acknowledged, counted as a duplicate
  const closed = w.gh.deliveries.list({ appId: w.reg.appId, event: "pull_request", action: "closed" });
  expect(closed).toHaveLength(1);
  w.gh.deliveries.redeliver(closed[0].id);
  await w.settle();
  const again = await scrape();
  expect(value(again.fams, DELIVERIES, { event: "pull_request", outcome: "duplicate" })).toBe(1);
  expect(sum(again.fams, DELIVERIES, { outcome: "processed" })).toBe(made.length);
});

it("a scrape while the store cannot be written still answers, and shows the stop held in memory", async () => {
  const db = join(w.config.dataDir, DATABASE_FILE);
  await w.app.close(); // a clean close leaves no -wal/-shm
  setImmutable([db], true);
  locked = db;
  await w.restart();
  expect(w.app.store.unwritable).toMatch(/readonly database/);
  const stopped = await w.api("POST", "/stop", { by: actor("9", "ops", ["Ouro Maintainer"]) });
  expect(stopped).toMatchObject({ status: 200, body: { stopped: true } });

  const { fams } = await scrape();
  expect(value(fams, "ouro_app_store_writable")).toBe(0);
  expect(value(fams, "ouro_app_changes", { kind: "change", state: "merged" })).toBe(1); // reads still work
  expect(value(fams, "ouro_app_emergency_stop")).toBe(1);
  expect(value(fams, "process_resident_memory_bytes")).toBeGreaterThan(0);

  setImmutable([db], false);
  locked = null;
});
