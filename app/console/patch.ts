// A unified diff of two texts, in the `patch` format GitHub gives per file: for when GitHub
// (or a stand-in) leaves `patch` out of a PR's file list, the console reads both versions and
// makes it here. Line-based LCS with 3 lines of context; null when the files are too large to
// compare this way (the page then says so).
const CONTEXT = 3;
const MAX_CELLS = 4_000_000;

type Op = { kind: " " | "+" | "-"; text: string };

function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (out.at(-1) === "") out.pop();
  return out;
}

function ops(a: string[], b: string[]): Op[] | null {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) return null;
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: " ", text: a[i++] });
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ kind: "-", text: a[i++] });
    else out.push({ kind: "+", text: b[j++] }); // removed lines before added ones, as git shows them
  }
  return out;
}

/** The unified diff from `before` to `after` (hunks only, no file headers); null when too large. */
export function unifiedPatch(before: string, after: string): string | null {
  const all = ops(lines(before), lines(after));
  if (all === null) return null;
  const changed = all.map((o, k) => (o.kind !== " " ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return "";
  // group changes whose context overlaps into hunks
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - CONTEXT);
    const end = Math.min(all.length - 1, k + CONTEXT);
    const last = hunks.at(-1);
    if (last && start <= last[1] + 1) last[1] = end;
    else hunks.push([start, end]);
  }
  const out: string[] = [];
  for (const [start, end] of hunks) {
    let oldStart = 1;
    let newStart = 1;
    for (let k = 0; k < start; k++) {
      if (all[k].kind !== "+") oldStart++;
      if (all[k].kind !== "-") newStart++;
    }
    const body = all.slice(start, end + 1);
    const oldLen = body.filter((o) => o.kind !== "+").length;
    const newLen = body.filter((o) => o.kind !== "-").length;
    out.push(`@@ -${oldLen === 0 ? oldStart - 1 : oldStart},${oldLen} +${newLen === 0 ? newStart - 1 : newStart},${newLen} @@`);
    for (const o of body) out.push(o.kind + o.text);
  }
  return out.join("\n");
}
