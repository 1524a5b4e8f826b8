// A GitHub stand-in with one pull request to review, and the review pane mounted on a page:
// max (write) opened #1, maya is admin, nia may only read. An App "ci" posts check runs, as
// GitHub Actions would. Shared by the pane's HTTP and browser tests.
import type { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { startGitHub, type GitHubStandIn } from "../../../local/github/index.ts";
import { startPage, type Page } from "../../../local/mode/page.ts";
import { createReviewPane } from "../../../local/mode/review/index.ts";
import { checkedOctokit, cleanup, fixtureDir } from "../github/helpers.ts";

export const PEOPLE = { maintainer: "maya", member: "max", newcomer: "nia" };
export const REPO = "acme/bot";
const repo = { owner: "acme", repo: "bot" };

export interface ReviewWorld {
  gh: GitHubStandIn;
  page: Page;
  /** The pane's root, e.g. http://127.0.0.1:1234/review */
  pane: string;
  pr: number;
  headSha: string;
  /** The "ci" App's installation client (check runs). */
  ci: Octokit;
  /** maya's own REST client, to check what GitHub holds. */
  maya: Octokit;
  close(): Promise<void>;
}

export async function startReviewWorld(): Promise<ReviewWorld> {
  const fixture = fixtureDir();
  const gh = await startGitHub({ deliveries: { retryDelaysMs: [] } });
  await gh.createRepo({ owner: "acme", name: "bot", fromDir: fixture, ownerType: "Organization" });
  gh.driver.setPermission(REPO, "maya", "admin");
  gh.driver.setPermission(REPO, "max", "write");
  gh.driver.setPermission(REPO, "nia", "read");

  const app = await gh.registerApp({ name: "ci", permissions: { checks: "write", metadata: "read" } });
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: gh.apiUrl,
    logLevel: "warn",
  });
  const { data } = await (
    await probot.auth()
  ).rest.apps.createInstallationAccessToken({
    installation_id: gh.installApp(app.appId, REPO),
  });
  const ci = checkedOctokit(gh, data.token);

  const max = checkedOctokit(gh, gh.driver.tokenFor("max"));
  const { data: main } = await max.git.getRef({ ...repo, ref: "heads/main" });
  await max.git.createRef({ ...repo, ref: "refs/heads/greet", sha: main.object.sha });
  await max.repos.createOrUpdateFileContents({
    ...repo,
    path: "src/greet.ts",
    message: "greet",
    content: Buffer.from('export const greet = () => "Hello!";\n').toString("base64"),
    branch: "greet",
  });
  const pull = await max.pulls.create({
    ...repo,
    title: "Add a <greet> command",
    head: "greet",
    base: "main",
    body: 'Says "Hello!" & <b>nothing</b> else.',
  });

  const page = await startPage(0);
  page.mount("/review", createReviewPane({ githubUrl: gh.url, apiUrl: gh.apiUrl, repo: REPO, people: PEOPLE }));
  return {
    gh,
    page,
    pane: `${page.url}/review`,
    pr: pull.data.number,
    headSha: pull.data.head.sha,
    ci,
    maya: checkedOctokit(gh, gh.driver.tokenFor("maya")),
    async close() {
      await page.close();
      await gh.deliveries.idle();
      await gh.close();
      cleanup(fixture);
    },
  };
}

/** The hidden token of the page's forms (what a same-site form sends). */
export function formToken(pageHtml: string): string {
  const m = /name="token" value="([0-9a-f]+)"/.exec(pageHtml);
  if (!m) throw new Error("the page has no form token");
  return m[1];
}
