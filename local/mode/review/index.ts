// The review pane (local mode): act as a GitHub user through the GitHub stand-in's real REST
// API (the driver's "as" route). Being built.
import type { PaneHandler } from "../page.ts";

export interface ReviewPaneOptions {
  /** The GitHub stand-in's base URL (its driver is at `${githubUrl}/_driver`). */
  githubUrl: string;
  /** Its REST API base. */
  apiUrl: string;
  /** "owner/name" of the repository Ouro edits. */
  repo: string;
  /** The people of local mode (role → login). */
  people: Record<string, string>;
}

export function createReviewPane(_o: ReviewPaneOptions): PaneHandler {
  return async (_req, res) => {
    res.writeHead(501, { "content-type": "text/plain; charset=utf-8" }).end("the review pane is not built yet");
  };
}
