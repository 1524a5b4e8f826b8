// The Actions stand-in against the real GitHub stand-in: PRs opened by a human, workflows
// run from the right ref, each job reported as a check run by the "github-actions" App.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Octokit } from "@octokit/rest";
import { signAppJwt } from "../../../local/actions/index.ts";
import { startWorld, workflow } from "./helpers.ts";
import type { World } from "./helpers.ts";

let w: World;
beforeAll(async () => {
  process.env.OURO_SECRET_CANARY = "canary-value-5f1e";
  w = await startWorld();
});
afterAll(async () => {
  delete process.env.OURO_SECRET_CANARY;
  await w?.close();
});

it("a passing run: step → a success check run from github-actions on the head sha, with the job summary", async () => {
  const repo = await w.repo("pass", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - run: echo "all good"
      - run: echo "### Report" >> "$GITHUB_STEP_SUMMARY"
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const runs = await repo.checks(sha);
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ name: "check", status: "completed", conclusion: "success", app: { slug: "github-actions" } });
  expect(runs[0].output.summary).toContain("### Report");
  expect(w.lines.some((l) => l.includes("▶ check"))).toBe(true);
  expect(w.lines.some((l) => /■ check .*success/.test(l))).toBe(true);
});

it("a failing run: step → a failure check with its ::error annotation and the step's log tail", async () => {
  const repo = await w.repo("fail", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - name: Lint
        run: |
          echo "checking a.ts"
          echo "::error file=a.ts,line=3,title=lint::boom"
          echo "::warning::careful"
          exit 1
      - name: Never
        run: echo "not reached"
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.ts": "export {};\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run).toMatchObject({ conclusion: "failure" });
  expect(run.output.title).toContain("Lint");
  expect(run.output.summary).toContain("checking a.ts");
  expect(run.output.summary).toContain("exit code 1");
  const notes = await repo.annotations(run.id);
  expect(notes).toContainEqual(expect.objectContaining({ path: "a.ts", start_line: 3, annotation_level: "failure", message: "boom" }));
  expect(notes).toContainEqual(expect.objectContaining({ annotation_level: "warning", message: "careful" }));
});

it("an unknown uses: fails the job with a message naming the file and the step", async () => {
  const repo = await w.repo("unknown", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - name: Upload
        uses: actions/upload-artifact@v4
        with:
          path: x
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run.conclusion).toBe("failure");
  expect(run.output.summary).toMatch(
    /\.github\/workflows\/ci\.yml, job "check", step 1 "Upload": uses: actions\/upload-artifact@v4 is not run by the Actions stand-in/,
  );
});

it("bad YAML and an unknown function fail, reported as failed checks", async () => {
  const repo = await w.repo("broken", {
    ".github/workflows/bad.yml": "on: pull_request\njobs: [\n",
    ".github/workflows/fn.yml": workflow("pull_request", `      - run: echo \${{ fromYAML('x') }}\n`),
    ".github/workflows/nowhere.yml": workflow("pull_request", "      - run: echo hi\n").replace("    runs-on: ubuntu-latest\n", ""),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const runs = await repo.checks(sha);
  const bad = runs.find((r) => r.name === ".github/workflows/bad.yml");
  expect(bad).toMatchObject({ conclusion: "failure" });
  expect(bad?.output.summary).toContain("not valid YAML");
  const fn = runs.find((r) => r.name === "check");
  expect(fn).toMatchObject({ conclusion: "failure" });
  expect(fn?.output.summary).toContain("unknown function fromYAML()");
  const nowhere = runs.find((r) => r.name === ".github/workflows/nowhere.yml");
  expect(nowhere).toMatchObject({ conclusion: "failure" });
  expect(nowhere?.output.summary).toContain('job "check" has no "runs-on"');
});

it("the job environment holds none of the stand-in's variables and no token unless passed", async () => {
  const repo = await w.repo("env", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - name: Look
        run: |
          if [ -n "\${OURO_SECRET_CANARY:-}" ]; then echo "leaked"; exit 1; fi
          if [ -n "\${GITHUB_TOKEN:-}" ]; then echo "token in env"; exit 1; fi
          env | cut -d= -f1 | sort > "$RUNNER_TEMP/names"
          for v in GITHUB_ACTIONS CI GITHUB_WORKSPACE GITHUB_EVENT_PATH GITHUB_SHA GITHUB_REF GITHUB_REPOSITORY GITHUB_API_URL GITHUB_SERVER_URL RUNNER_TEMP RUNNER_OS HOME PATH; do
            grep -qx "$v" "$RUNNER_TEMP/names" || { echo "missing $v"; exit 1; }
          done
          test "$GITHUB_EVENT_NAME" = pull_request
          test "$(jq -r .pull_request.head.sha "$GITHUB_EVENT_PATH" 2>/dev/null || node -p 'require(process.env.GITHUB_EVENT_PATH).pull_request.head.sha')" = "$GITHUB_SHA"
          echo "secret=[\${{ secrets.DISCORD_TOKEN }}]" >> "$GITHUB_STEP_SUMMARY"
          echo "names: $(tr '\\n' ' ' < "$RUNNER_TEMP/names")" >> "$GITHUB_STEP_SUMMARY"
      - name: Passed explicitly
        env:
          GITHUB_TOKEN: \${{ github.token }}
        run: |
          test -n "$GITHUB_TOKEN"
          echo "token=$GITHUB_TOKEN"
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run.output.summary).toContain("secret=[]");
  expect(run.conclusion).toBe("success");
  expect(run.output.summary).not.toContain("OURO_SECRET_CANARY");
  expect(run.output.summary).not.toMatch(/ghs_/);
});

it("a local JavaScript action gets INPUT_* (with defaults) and its GITHUB_OUTPUT reaches steps.<id>.outputs", async () => {
  const repo = await w.repo("local-action", {
    "greet/action.yml": `name: greet
inputs:
  who:
    description: whom
    required: true
  greeting words:
    description: what to say
    default: hello \${{ github.event_name }}
outputs:
  line:
    description: the line
runs:
  using: node24
  main: main.mjs
`,
    "greet/main.mjs": `import { appendFileSync } from "node:fs";
const line = process.env["INPUT_GREETING_WORDS"] + ", " + process.env.INPUT_WHO;
appendFileSync(process.env.GITHUB_OUTPUT, "line<<EOF_1\\n" + line + "\\nsecond line\\nEOF_1\\n");
appendFileSync(process.env.GITHUB_OUTPUT, "plain=yes\\n");
console.log("::add-mask::hidden-bit");
console.log("this has a hidden-bit inside");
`,
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - uses: actions/checkout@v5
        with:
          persist-credentials: false
      - id: g
        uses: ./greet
        with:
          who: bob
      - name: Use it
        env:
          LINE: \${{ steps.g.outputs.line }}
        run: |
          test "$LINE" = "hello pull_request, bob
          second line"
          test "\${{ steps.g.outputs.plain }}" = yes
          echo "got: $LINE hidden-bit" >> "$GITHUB_STEP_SUMMARY"
          if grep -q extraheader .git/config; then echo "credentials persisted"; exit 1; fi
`,
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run.output.summary).toContain("got: hello pull_request, bob");
  expect(run.output.summary).toContain("***");
  expect(run.output.summary).not.toContain("hidden-bit");
  expect(run.conclusion).toBe("success");
});

it("pull_request_target runs the BASE's workflow even when the PR edits it, and reports on the head sha", async () => {
  const wf = (word: string) => workflow("pull_request_target", `      - run: echo "${word} $GITHUB_SHA" >> "$GITHUB_STEP_SUMMARY"\n`);
  const repo = await w.repo("target", { ".github/workflows/policy.yml": wf("from-base") });
  const baseSha = (await w.gh.driver.branchSha("acme/target", "main"))!;
  const { sha } = await repo.pr("evil", { ".github/workflows/policy.yml": wf("from-head") });
  await w.settle();
  const [run] = await repo.checks(sha);
  expect(run.conclusion).toBe("success");
  expect(run.output.summary).toContain(`from-base ${baseSha}`);
  expect(run.output.summary).not.toContain("from-head");
});

it("the job token has exactly the workflow's permissions: contents: read cannot write where the App could", async () => {
  const repo = await w.repo("perms", {
    ".github/workflows/ci.yml": workflow(
      "pull_request",
      `      - uses: actions/checkout@v5
      - name: Try to write
        env:
          TOKEN: \${{ secrets.GITHUB_TOKEN }}
        run: |
          code=$(curl -s -o "$RUNNER_TEMP/out" -w '%{http_code}' -X POST -H "authorization: token $TOKEN" \\
            -d "{\\"name\\":\\"forged\\",\\"head_sha\\":\\"$GITHUB_SHA\\"}" "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/check-runs")
          echo "check-run: $code $(cat "$RUNNER_TEMP/out")" >> "$GITHUB_STEP_SUMMARY"
          git config user.email a@b.c; git config user.name a
          git commit -q --allow-empty -m x
          if git push -q origin HEAD:refs/heads/sneaky 2> "$RUNNER_TEMP/push"; then echo "push: ok" >> "$GITHUB_STEP_SUMMARY"; else echo "push: refused" >> "$GITHUB_STEP_SUMMARY"; fi
`,
      "permissions:\n  contents: read\n",
    ),
  });
  const { sha } = await repo.pr("feature", { "a.txt": "a\n" });
  await w.settle();
  const runs = await repo.checks(sha);
  expect(runs.map((r) => r.name)).toEqual(["check"]);
  expect(runs[0].conclusion).toBe("success");
  expect(runs[0].output.summary).toMatch(/check-run: 403 .*Resource not accessible by integration/);
  expect(runs[0].output.summary).toContain("push: refused");
});

it("a narrowed installation token is refused where the App's own token is allowed; wider than granted is 422", async () => {
  const repo = { owner: "acme", repo: "seed" };
  const sha = (await w.gh.driver.branchSha("acme/seed", "main"))!;
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const jwt = new Octokit({ baseUrl: w.gh.apiUrl, auth: signAppJwt(w.actions.app.appId, w.actions.app.privateKey), log: quiet });
  const mint = async (permissions?: Record<string, string>) =>
    (await jwt.apps.createInstallationAccessToken({ installation_id: w.actions.app.installationId, permissions })).data;
  const full = await mint();
  const narrow = await mint({ contents: "read" });
  expect(narrow.permissions).toEqual({ contents: "read", metadata: "read" });
  const as = (token: string) => new Octokit({ baseUrl: w.gh.apiUrl, auth: token, log: quiet });
  expect((await as(full.token).checks.create({ ...repo, name: "by the app", head_sha: sha })).status).toBe(201);
  await expect(as(narrow.token).checks.create({ ...repo, name: "by the job", head_sha: sha })).rejects.toMatchObject({ status: 403 });
  expect((await as(narrow.token).repos.get(repo)).status).toBe(200);
  await expect(mint({ contents: "write" })).rejects.toMatchObject({
    status: 422,
    message: expect.stringContaining("not granted to this installation: contents: write"),
  });
  await expect(mint({ checks: "sudo" } as never)).rejects.toMatchObject({ status: 422 });
  await w.settle();
});
