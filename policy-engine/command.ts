// The CLI: parse arguments strictly, read policies from the BASE ref, print the verdict.
// Exit codes: 0 pass / needs-approval, 1 block, 2 usage, git or policy-load errors
// (a policy that fails to load still prints its block verdict, and never exits 0).
import { parseArgs } from "node:util";
import { runCheck } from "./check.ts";
import { readPolicyFilesAndChange } from "./policy-files.ts";
import { FORMATS, formatVerdict, type Format } from "./format.ts";

export const EXIT = { ok: 0, block: 1, error: 2 } as const;

export const USAGE = `usage: policy-check --repo DIR --base REF --head REF [options]

Checks the change base...head of the git repository DIR against the policies in
policies/ AT THE BASE REF (never the head's).

options:
  --format json|text|markdown   output format (default text); json is the verdict
  --author LOGIN                pull request author
  --label NAME                  pull request label (repeatable)
  --head-branch NAME            pull request head branch
  --self-edit                   treat the change as a self-edit by the agent
  -h, --help                    show this help

exit: 0 pass or needs-approval, 1 block, 2 usage/git/policy-load error
`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
}

export function runCli(argv: string[], io: Io): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        repo: { type: "string" },
        base: { type: "string" },
        head: { type: "string" },
        format: { type: "string", default: "text" },
        author: { type: "string" },
        label: { type: "string", multiple: true },
        "head-branch": { type: "string" },
        "self-edit": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    io.err(`policy-check: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.error;
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  const missing = (["repo", "base", "head"] as const).filter((k) => !values[k]);
  if (missing.length > 0) {
    io.err(`policy-check: missing ${missing.map((m) => `--${m}`).join(", ")}\n\n${USAGE}`);
    return EXIT.error;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    io.err(`policy-check: --format must be one of ${FORMATS.join(", ")}, got "${values.format}"\n`);
    return EXIT.error;
  }

  try {
    const repoDir = values.repo!;
    const { policyFiles, change } = readPolicyFilesAndChange(repoDir, values.base!, values.head!);
    const result = runCheck({
      repoDir,
      base: values.base!,
      head: values.head!,
      policyFiles,
      change,
      author: values.author,
      labels: values.label ?? [],
      headBranch: values["head-branch"],
      selfEdit: values["self-edit"],
    });
    io.out(formatVerdict(result.verdict, format));
    if (result.policyErrors) {
      for (const e of result.policyErrors) {
        const loc = e.line === undefined ? e.file : `${e.file}:${e.line}${e.column === undefined ? "" : `:${e.column}`}`;
        io.err(`policy-check: policy error: ${loc}: ${e.message}\n`);
      }
      return EXIT.error;
    }
    return result.verdict.decision === "block" ? EXIT.block : EXIT.ok;
  } catch (e) {
    io.err(`policy-check: ${(e as Error).message}\n`);
    return EXIT.error;
  }
}
