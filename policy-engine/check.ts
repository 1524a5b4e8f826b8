// One policy check, shared by the CLI and the Action: the change comes from the head
// (as data), the policies from the base, the verdict from the engine (pure).
import { readChangeSet } from "./git.ts";
import { loadPolicy, type PolicyFile } from "./policy/load.ts";
import { isSelfEdit } from "./policy/paths.ts";
import { evaluate } from "./engine.ts";
import type { ChangeSet, PolicyError, Verdict } from "./types.ts";

export interface CheckRequest {
  /** Git repository holding both commits (read as data only). */
  repoDir: string;
  base: string;
  head: string;
  /** Policy files from a trusted source (see policy-files.ts). */
  policyFiles: PolicyFile[];
  author?: string;
  labels?: string[];
  headBranch?: string;
  /** Force self-edit treatment (protected paths block) whatever the policy's detection says. */
  selfEdit?: boolean;
  /** The change base...head when the caller has read it already (with the policy files). */
  change?: ChangeSet;
}

export interface CheckResult {
  verdict: Verdict;
  /** Set when the policy failed to load: the verdict is then a block (fail closed). */
  policyErrors?: PolicyError[];
  selfEdit: boolean;
}

export function runCheck(req: CheckRequest): CheckResult {
  const loaded = loadPolicy(req.policyFiles);
  const facts = { author: req.author, labels: req.labels ?? [], headBranch: req.headBranch };
  const selfEdit = req.selfEdit === true || (loaded.ok && isSelfEdit(loaded.policy, facts));
  const change = req.change ?? readChangeSet(req.repoDir, req.base, req.head);
  const verdict = evaluate(change, loaded, { author: req.author, labels: req.labels ?? [], selfEdit });
  if (!loaded.ok) return { verdict: failClosed(verdict), policyErrors: loaded.errors, selfEdit };
  return { verdict, selfEdit };
}

/** Belt and braces: a policy that did not load can never produce anything but a block. */
function failClosed(v: Verdict): Verdict {
  return v.decision === "block" && v.mode === "enforce" ? v : { ...v, decision: "block", mode: "enforce", automerge: false };
}
