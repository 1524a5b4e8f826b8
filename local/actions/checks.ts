// A job as a check run, the way GitHub Actions reports one: created `in_progress` when the
// job starts, completed with its conclusion, an output whose summary is the job summary
// (GITHUB_STEP_SUMMARY) plus the failing step and its log tail, and the annotations its
// steps printed, sent in batches of at most 50 as the API allows.
import type { Octokit } from "@octokit/rest";
import type { Annotation } from "./commands.ts";
import type { JobResult } from "./job.ts";

const MAX_SUMMARY = 65_535;

export interface CheckTarget {
  octokit: Octokit;
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  detailsUrl?: string;
  externalId: string;
}

export async function startCheck(t: CheckTarget): Promise<number> {
  const { data } = await t.octokit.checks.create({
    owner: t.owner,
    repo: t.repo,
    name: t.name,
    head_sha: t.headSha,
    status: "in_progress",
    started_at: new Date().toISOString(),
    external_id: t.externalId,
    ...(t.detailsUrl ? { details_url: t.detailsUrl } : {}),
  });
  return data.id;
}

/** GitHub's annotation shape; file-less annotations go on `.github`, as Actions puts them. */
export function toApiAnnotation(a: Annotation) {
  const line = a.line ?? 1;
  const endLine = a.endLine ?? line;
  return {
    path: a.file ?? ".github",
    start_line: line,
    end_line: endLine,
    ...(a.col !== undefined && endLine === line ? { start_column: a.col, end_column: a.endColumn ?? a.col } : {}),
    annotation_level: a.level,
    message: a.message,
    ...(a.title ? { title: a.title } : {}),
  };
}

export function outputOf(
  result: Pick<JobResult, "conclusion" | "summary" | "failure">,
  extra?: string,
): { title: string; summary: string } {
  const parts: string[] = [];
  if (result.summary.trim()) parts.push(result.summary.trim());
  if (result.failure) {
    parts.push(`**Failed:** ${result.failure.step}\n\n${result.failure.message}`);
    if (result.failure.tail.length) parts.push("```\n" + result.failure.tail.join("\n") + "\n```");
  }
  if (extra) parts.push(extra);
  let summary = parts.join("\n\n") || `The job ${result.conclusion === "success" ? "succeeded" : result.conclusion}.`;
  if (summary.length > MAX_SUMMARY) summary = summary.slice(0, MAX_SUMMARY - 20) + "\n…(truncated)";
  const title =
    result.conclusion === "success"
      ? "succeeded"
      : result.conclusion === "cancelled"
        ? "cancelled"
        : result.failure
          ? `failed: ${result.failure.step}`.slice(0, 250)
          : "failed";
  return { title, summary };
}

export async function completeCheck(
  t: CheckTarget,
  id: number | undefined,
  conclusion: "success" | "failure" | "cancelled" | "skipped",
  output: { title: string; summary: string },
  annotations: Annotation[],
): Promise<number> {
  const api = annotations.map(toApiAnnotation);
  const checkId = id ?? (await startCheck(t));
  // Every batch is on the run before it completes, so whoever reacts to `completed` sees them all.
  for (let i = 0; i === 0 || i < api.length; i += 50)
    await t.octokit.checks.update({
      owner: t.owner,
      repo: t.repo,
      check_run_id: checkId,
      output: { ...output, annotations: api.slice(i, i + 50) },
    });
  await t.octokit.checks.update({
    owner: t.owner,
    repo: t.repo,
    check_run_id: checkId,
    status: "completed",
    conclusion,
    completed_at: new Date().toISOString(),
  });
  return checkId;
}
