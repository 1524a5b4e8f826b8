// The Action's body: inputs → check → annotations, job summary, outputs. The only place
// that calls setFailed, and only when the verdict blocks (or the check could not run,
// which must block too: fail closed).
import { readFileSync } from "node:fs";
import * as core from "@actions/core";
import { parseInputs, parseEvent, type PullRequestEvent } from "./inputs.ts";
import { runCheck } from "../../../policy-engine/check.ts";
import { readPolicyFilesFromDir } from "../../../policy-engine/policy-files.ts";
import { assertTrustedSources } from "./trust.ts";
import { formatMarkdown, formatVerdict, sortFindings } from "../../../policy-engine/format.ts";
import type { Finding, Verdict } from "../../../policy-engine/types.ts";

function readEvent(): PullRequestEvent | undefined {
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path) return undefined;
  return parseEvent(JSON.parse(readFileSync(path, "utf8")));
}

export function annotate(f: Finding): void {
  const props: core.AnnotationProperties = { title: f.rule };
  if (f.file) {
    props.file = f.file;
    if (f.line !== undefined) props.startLine = f.line;
    if (f.column !== undefined) props.startColumn = f.column;
  }
  if (f.severity === "error") core.error(f.message, props);
  else if (f.severity === "warning") core.warning(f.message, props);
  else core.notice(f.message, props);
}

function setOutputs(v: Pick<Verdict, "decision" | "risk" | "requiredApprovals">): void {
  core.setOutput("decision", v.decision);
  core.setOutput("risk", v.risk);
  core.setOutput("required-approvals", String(v.requiredApprovals));
}

export async function run(): Promise<void> {
  try {
    const inputs = parseInputs((name) => core.getInput(name));
    const event = readEvent();
    const pr = event?.pull_request;
    const base = inputs["base-sha"] ?? pr?.base.sha;
    const head = inputs["head-sha"] ?? pr?.head.sha;
    if (!base || !head) throw new Error("base-sha and head-sha are required outside a pull_request event");

    assertTrustedSources(inputs["repo-path"], inputs["policies-path"]);
    const result = runCheck({
      repoDir: inputs["repo-path"],
      base,
      head,
      policyFiles: readPolicyFilesFromDir(inputs["policies-path"]),
      author: pr?.user.login,
      labels: pr?.labels.map((l) => l.name) ?? [],
      headBranch: pr?.head.ref,
      selfEdit: inputs["self-edit"] === "true",
    });
    const { verdict } = result;

    for (const f of sortFindings(verdict.findings)) annotate(f);
    core.info(formatVerdict(verdict, inputs.format));
    setOutputs(verdict);
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(formatMarkdown(verdict)).write();

    if (result.policyErrors) {
      core.setFailed(`policy files failed to load (${result.policyErrors.length} error(s)): the change is blocked`);
    } else if (verdict.decision === "block") {
      const errors = verdict.findings.filter((f) => f.severity === "error").length;
      core.setFailed(`policy check: blocked (${errors} blocking finding(s), risk ${verdict.risk})`);
    }
  } catch (e) {
    core.setOutput("decision", "block");
    core.setFailed(`policy check could not run: ${(e as Error).message}`);
  }
}
