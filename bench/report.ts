// The one summary convention every benchmark part ends with (DESIGN.md):
// readable lines first, then exactly one JSON line
// {"part": "...", "figures": {"<name>": {"value", "unit", "target", "peer", "ratio"}}}.

export interface Figure {
  value: number;
  unit: string;
  /** The target from DESIGN.md; for "higher is better" figures set `higherIsBetter`. */
  target?: number;
  /** The same measure for a peer run in the same process/run (e.g. ESLint, bare discord.js). */
  peer?: number;
  /** value / peer, when a peer was measured. */
  ratio?: number;
  higherIsBetter?: boolean;
}

export function figure(value: number, unit: string, opts: Omit<Figure, "value" | "unit" | "ratio"> = {}): Figure {
  const f: Figure = { value: round(value), unit, ...opts };
  if (opts.peer !== undefined) {
    f.peer = round(opts.peer);
    f.ratio = opts.peer === 0 ? Number.POSITIVE_INFINITY : round(value / opts.peer, 3);
  }
  return f;
}

export function meetsTarget(f: Figure): boolean | undefined {
  if (f.target === undefined) return undefined;
  return f.higherIsBetter ? f.value >= f.target : f.value <= f.target;
}

/** Prints one readable line per figure, then the JSON summary line. */
export function report(part: string, figures: Record<string, Figure>): void {
  for (const [name, f] of Object.entries(figures)) {
    const parts = [`${part}: ${name} = ${f.value} ${f.unit}`];
    if (f.target !== undefined) parts.push(`target ${f.higherIsBetter ? "≥" : "≤"} ${f.target} (${meetsTarget(f) ? "met" : "MISSED"})`);
    if (f.peer !== undefined) parts.push(`peer ${f.peer} ${f.unit}, ratio ${f.ratio}`);
    console.log(parts.join("; "));
  }
  const json: Record<string, Omit<Figure, "higherIsBetter">> = {};
  for (const [name, { higherIsBetter: _h, ...rest }] of Object.entries(figures)) json[name] = rest;
  console.log(JSON.stringify({ part, figures: json }));
}

export function round(n: number, digits = 2): number {
  const m = 10 ** digits;
  return Math.round(n * m) / m;
}

/** Percentile (0..100) of a list of numbers; nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
