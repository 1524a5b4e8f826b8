// Defence in depth for the Action: the head checkout is data. Refuse to run when the
// policies — or this checker's own code — live inside it, which is what a workflow that
// checks out the head and runs `uses: ./actions/policy-check` from it would do.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resolve, relative, isAbsolute, sep } from "node:path";

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

export function isInside(path: string, dir: string): boolean {
  const rel = relative(real(dir), real(path));
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** This Action's code; the engine it runs (policy-engine/) is imported from the same checkout. */
export const CHECKER_DIR = fileURLToPath(new URL(".", import.meta.url));

/** Throws when the policies or the checker would come from the checkout being judged. */
export function assertTrustedSources(headDir: string, policiesPath: string, checkerDir = CHECKER_DIR): void {
  if (isInside(policiesPath, headDir)) {
    throw new Error(`policies-path ${policiesPath} is inside the head checkout ${headDir}: policies must come from the base checkout`);
  }
  if (isInside(checkerDir, headDir)) {
    throw new Error(`the checker runs from inside the head checkout ${headDir}: run it from a separate base checkout`);
  }
}
