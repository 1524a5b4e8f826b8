// Workflow commands a step prints (`::error file=a.ts,line=3::boom`, `::add-mask::`, …) and
// the file commands it writes (GITHUB_OUTPUT, GITHUB_ENV: `name=value` or the heredoc form
// `name<<DELIM` … `DELIM`; GITHUB_PATH: one directory a line), parsed as the runner does.
// Escapes as @actions/core writes them: data %25 %0D %0A; properties also %3A %2C.

export interface Annotation {
  level: "failure" | "warning" | "notice";
  message: string;
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
}

export type Command =
  { kind: "annotation"; annotation: Annotation } | { kind: "mask"; value: string } | { kind: "ignored" } | { kind: "none" };

const unescapeData = (s: string) => s.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
const unescapeProp = (s: string) => unescapeData(s.replace(/%3A/gi, ":").replace(/%2C/gi, ","));

const LEVELS: Record<string, Annotation["level"]> = { error: "failure", warning: "warning", notice: "notice" };

/** One log line → the workflow command it carries, if any. */
export function parseCommand(line: string): Command {
  const m = /^\s*::([A-Za-z-]+)(?:\s+([^:]*))?::(.*)$/.exec(line);
  if (!m) return { kind: "none" };
  const [, name, rawProps = "", rawData] = m;
  const cmd = name.toLowerCase();
  if (cmd === "add-mask") {
    const value = unescapeData(rawData);
    return value.trim() ? { kind: "mask", value } : { kind: "ignored" };
  }
  const level = LEVELS[cmd];
  if (!level) return { kind: "ignored" }; // group, endgroup, debug, set-output, …: nothing to report here
  const props: Record<string, string> = {};
  for (const part of rawProps.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) props[part.slice(0, eq).trim()] = unescapeProp(part.slice(eq + 1));
  }
  const num = (k: string) => (props[k] !== undefined && /^\d+$/.test(props[k]) ? Number(props[k]) : undefined);
  return {
    kind: "annotation",
    annotation: {
      level,
      message: unescapeData(rawData),
      title: props.title,
      file: props.file,
      line: num("line"),
      endLine: num("endLine"),
      col: num("col"),
      endColumn: num("endColumn"),
    },
  };
}

export class FileCommandError extends Error {}

/** GITHUB_OUTPUT / GITHUB_ENV contents → name/value pairs, in order. */
export function parseKeyValueFile(text: string, what: string): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const heredoc = line.indexOf("<<");
    const eq = line.indexOf("=");
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      if (!name || !delim) throw new FileCommandError(`${what}: invalid line ${JSON.stringify(line)}`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        value.push(lines[i]);
      }
      if (!closed) throw new FileCommandError(`${what}: no closing delimiter ${JSON.stringify(delim)} for ${name}`);
      out.push([name, value.join("\n")]);
    } else if (eq > 0) {
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    } else throw new FileCommandError(`${what}: invalid line ${JSON.stringify(line)} (expected name=value or name<<DELIMITER)`);
  }
  return out;
}

/** Replaces every masked value with `***`. */
export function masker(values: Set<string>): (s: string) => string {
  return (s) => {
    let out = s;
    for (const v of [...values].sort((a, b) => b.length - a.length)) if (v) out = out.split(v).join("***");
    return out;
  };
}
