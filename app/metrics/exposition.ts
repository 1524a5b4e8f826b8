// The Prometheus text exposition format, version 0.0.4, as prom-client writes it: per metric
// family one `# HELP` and one `# TYPE` line, then its samples; label values and help text
// escaped; +Inf/-Inf/NaN spelled as Prometheus reads them. Counters and a histogram keep
// their values between scrapes; gauges are read when scraped (`family`). Same shapes as the
// bot's own renderer (bot/health/metrics.ts), which app/ cannot import.
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;
export type MetricType = "counter" | "gauge" | "histogram";
export interface Sample {
  labels?: Labels;
  value: number;
  /** Appended to the family's name (a histogram's `_bucket`, `_sum`, `_count`). */
  suffix?: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeValue = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** A sample value as Prometheus parses it (Go's ParseFloat, plus +Inf, -Inf and NaN). */
export function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

function labelText(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeValue(v)}"`).join(",")}}`;
}

function checkName(name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name)) throw new Error(`not a Prometheus metric name: ${name}`);
  for (const l of labelNames)
    if (!LABEL_NAME.test(l) || l.startsWith("__") || l === "le") throw new Error(`not a label name for ${name}: ${l}`);
}

/** One metric family: HELP, TYPE and its samples, each line ending in a newline. */
export function family(name: string, type: MetricType, help: string, samples: readonly Sample[]): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  for (const s of samples) lines.push(`${name}${s.suffix ?? ""}${labelText(s.labels)} ${formatValue(s.value)}`);
  return lines.join("\n") + "\n";
}

/** The label values in the order of `names` (so one label set always has one key). */
function keyOf(names: readonly string[], labels: Labels): string {
  return JSON.stringify(names.map((n) => labels[n] ?? ""));
}

function ordered(names: readonly string[], labels: Labels): Labels {
  return Object.fromEntries(names.map((n) => [n, labels[n] ?? ""]));
}

/** A value that only goes up, kept per label set (only the sets seen so far are shown). */
export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    if (!name.endsWith("_total")) throw new Error(`a counter's name ends in _total: ${name}`);
    checkName(name, labelNames);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name} only goes up (asked to add ${by})`);
    const key = keyOf(this.labelNames, labels);
    const cur = this.#values.get(key);
    if (cur) cur.value += by;
    else this.#values.set(key, { labels: ordered(this.labelNames, labels), value: by });
  }

  get(labels: Labels = {}): number {
    return this.#values.get(keyOf(this.labelNames, labels))?.value ?? 0;
  }

  render(): string {
    return family(this.name, "counter", this.help, [...this.#values.values()]);
  }
}

/** Observations counted into fixed cumulative buckets, with their sum and count, per label set. */
export class Histogram {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []) {
    checkName(name, labelNames);
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1])))
      throw new Error(`${name}: buckets must be finite and increasing`);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.buckets = buckets;
  }

  observe(labels: Labels, value: number): void {
    const key = keyOf(this.labelNames, labels);
    let s = this.#series.get(key);
    if (!s) this.#series.set(key, (s = { labels: ordered(this.labelNames, labels), counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }

  render(): string {
    const samples: Sample[] = [];
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) => samples.push({ suffix: "_bucket", labels: { ...s.labels, le: formatValue(b) }, value: s.counts[i] }));
      samples.push({ suffix: "_bucket", labels: { ...s.labels, le: "+Inf" }, value: s.count });
      samples.push({ suffix: "_sum", labels: s.labels, value: s.sum });
      samples.push({ suffix: "_count", labels: s.labels, value: s.count });
    }
    return family(this.name, "histogram", this.help, samples);
  }
}
