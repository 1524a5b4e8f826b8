// A pull request's diff as GitHub gives it per file (the unified `patch`), as an HTML table:
// old and new line numbers, a +/− marker column (so added and removed lines are told by a
// sign and a label, not by colour alone), each line highlighted by highlight.js for the
// file's language, and the policy findings on that file placed right under their line.
import { createRequire } from "node:module";
import { html, raw } from "../../contract/html.ts";
import type { SafeHtml } from "../../contract/html.ts";
import type { StoredFinding } from "./queries.ts";

/**
 * The part of highlight.js used here. Loaded with require, not imported: its type definitions
 * pull in the DOM library (`/// <reference lib="dom" />`), which breaks Node's own types
 * across the whole project.
 */
interface Highlighter {
  getLanguage(name: string): object | undefined;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
}
const hljs = createRequire(import.meta.url)("highlight.js/lib/common") as Highlighter;

/** The languages diffs here are mostly in (the bot is TypeScript; docs, policies, config). */
const USUAL_LANGUAGES = ["typescript", "javascript", "json", "markdown", "yaml"];
let warmed = false;

/**
 * highlight.js compiles a language's grammar on its first use (70 ms for TypeScript on a busy
 * machine), which would land on the first change page anyone opens: compile the usual ones
 * now, one per turn of the event loop so nothing waits long behind it. Once per process.
 */
export function warmHighlighter(): void {
  if (warmed) return;
  warmed = true;
  const next = (i: number) => {
    if (i >= USUAL_LANGUAGES.length) return;
    hljs.highlight("export const a = { b: [1, 'c'] }; // d", { language: USUAL_LANGUAGES[i], ignoreIllegals: true });
    setImmediate(next, i + 1);
  };
  setImmediate(next, 0);
}

export interface DiffFile {
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  /** Absent for binary files and very large diffs (GitHub leaves it out). */
  patch?: string;
}

/** highlight.js's language for a file, by its extension or name (null: shown as plain text). */
export function languageOf(path: string): string | null {
  const name = path.split("/").pop() ?? path;
  const ext = name.includes(".") ? name.split(".").pop()!.toLowerCase() : name.toLowerCase();
  const lang = hljs.getLanguage(ext);
  return lang ? ext : null;
}

function highlighted(code: string, language: string | null): SafeHtml {
  if (!language) return html`${code}`;
  // highlight.js escapes the code it is given; its output is markup made from escaped text.
  return raw(hljs.highlight(code, { language, ignoreIllegals: true }).value);
}

const findingRow = (f: StoredFinding): SafeHtml =>
  html`<tr class="finding ${f.severity}">
    <td colspan="4">
      <strong>${f.severity === "error" ? "Error" : f.severity === "warning" ? "Warning" : "Note"}</strong>
      (${f.rule}${f.line ? `, line ${f.line}` : ""}): ${f.message}
    </td>
  </tr>`;

/** One file's diff, with the findings on it placed at their lines (the rest listed above the table). */
export function renderFileDiff(file: DiffFile, findings: readonly StoredFinding[], index: number): SafeHtml {
  const language = languageOf(file.filename);
  const rows: SafeHtml[] = [];
  const placed = new Set<StoredFinding>();
  let oldNo = 0;
  let newNo = 0;
  for (const line of (file.patch ?? "").split("\n")) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      rows.push(
        html`<tr class="hunk">
          <td colspan="4">${line}</td>
        </tr>`,
      );
      continue;
    }
    if (line === "" || line.startsWith("\\")) continue;
    const sign = line[0];
    const code = line.slice(1);
    let here: number | null = null;
    if (sign === "+") {
      rows.push(
        html`<tr class="add">
          <td class="ln"></td>
          <td class="ln">${newNo}</td>
          <td class="mark"><span aria-hidden="true">+</span><span class="sr-only">added</span></td>
          <td>${highlighted(code, language)}</td>
        </tr>`,
      );
      here = newNo++;
    } else if (sign === "-") {
      rows.push(
        html`<tr class="del">
          <td class="ln">${oldNo}</td>
          <td class="ln"></td>
          <td class="mark"><span aria-hidden="true">−</span><span class="sr-only">removed</span></td>
          <td>${highlighted(code, language)}</td>
        </tr>`,
      );
      oldNo++;
    } else {
      rows.push(
        html`<tr>
          <td class="ln">${oldNo}</td>
          <td class="ln">${newNo}</td>
          <td class="mark"></td>
          <td>${highlighted(code, language)}</td>
        </tr>`,
      );
      here = newNo++;
      oldNo++;
    }
    if (here !== null)
      for (const f of findings)
        if (f.line === here && !placed.has(f)) {
          placed.add(f);
          rows.push(findingRow(f));
        }
  }
  const elsewhere = findings.filter((f) => !placed.has(f));
  const id = `diff-${index}`;
  return html`<section class="diff-file" aria-labelledby="${id}">
    <h3 id="${id}">${file.filename} <span class="muted">(${file.status}, +${file.additions} −${file.deletions})</span></h3>
    ${
      elsewhere.length
        ? html`<ul>
            ${elsewhere.map((f) => html`<li><strong>${f.severity}</strong> ${f.rule}${f.line ? ` at line ${f.line}` : ""}: ${f.message}</li>`)}
          </ul>`
        : ""
    }
    ${
      file.patch
        ? html`<div class="scroll" role="region" aria-label="Diff of ${file.filename}" tabindex="0">
            <table class="diff">
              <thead>
                <tr>
                  <th scope="col">Old</th>
                  <th scope="col">New</th>
                  <th scope="col">+/−</th>
                  <th scope="col">Code</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
        : html`<p class="muted">No text diff (a binary file, or too large for GitHub to show).</p>`
    }
  </section>`;
}
