// The few Prometheus series the deploy hook's health gate and dashboards read, rendered
// in the text exposition format (version 0.0.4). Small on purpose: counters keyed by
// label values and one histogram with fixed buckets.
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Record<string, string>) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
};

class Counter {
  private values = new Map<string, { labels: Record<string, string>; value: number }>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Record<string, string>, by = 1): void {
    const key = labelText(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }
  get(labels: Record<string, string>): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join("\n");
  }
}

class Histogram {
  private series = new Map<string, { labels: Record<string, string>; counts: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  observe(labels: Record<string, string>, seconds: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) s.counts[i]++;
    s.sum += seconds;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class BotMetrics {
  readonly interactions = new Counter("ouro_bot_interactions_total", "Interactions handled, by command and outcome.");
  readonly latency = new Histogram("ouro_bot_interaction_duration_seconds", "Time from receiving an interaction to finishing its handler.");
  readonly pluginErrors = new Counter("ouro_bot_plugin_errors_total", "Plugin failures (throws and timeouts), by plugin and kind.");
  readonly pluginHostRestarts = new Counter(
    "ouro_bot_plugin_host_restarts_total",
    "Plugin host restarts after a crash, a hang or a kill, by cause.",
  );
  readonly messages = new Counter("ouro_bot_messages_total", "Messages handled, by route (responder, conversation, offer).");
  private started = Date.now();

  render(extra: { ready: boolean; appStream?: boolean }): string {
    const mem = process.memoryUsage();
    const gauges: [string, string, number][] = [
      ["ouro_bot_up", "1 when the Discord client is ready.", extra.ready ? 1 : 0],
      ["ouro_bot_uptime_seconds", "Seconds since the bot started.", (Date.now() - this.started) / 1000],
      ...(extra.appStream === undefined
        ? []
        : [
            ["ouro_bot_app_stream_connected", "1 while the app's progress stream is connected.", extra.appStream ? 1 : 0] as [
              string,
              string,
              number,
            ],
          ]),
      ["process_resident_memory_bytes", "Resident set size in bytes.", mem.rss],
      ["nodejs_heap_used_bytes", "V8 heap used in bytes.", mem.heapUsed],
    ];
    const parts = gauges.map(([n, h, v]) => `# HELP ${n} ${h}\n# TYPE ${n} gauge\n${n} ${v}`);
    parts.push(
      this.interactions.render(),
      this.latency.render(),
      this.pluginErrors.render(),
      this.pluginHostRestarts.render(),
      this.messages.render(),
    );
    return parts.join("\n") + "\n";
  }
}
