// The sandboxed plugin test run, started BEFORE the policy verdict and told what to run only
// after it (tests-ahead.ts): `node tests-runner.mjs VITEST_NODE_ENTRY ROOT CONFIG`. Loading
// vitest and vite and resolving our config (plugin-tests.config.mjs, plain data) happens at
// once; that is vitest's own code and ours only, nothing of the worktree. Then it waits on
// stdin for one line, the JSON list of test files, and only then lets vitest find, load and
// run them. stdin ending without that line (a failed verdict, or the app gone) ends the run
// before anything of the worktree was loaded. Plain JavaScript: no type stripping to start.
import process from "node:process";
import { clearInterval, setInterval } from "node:timers";
import { pathToFileURL } from "node:url";

const [vitestNode, root, config] = process.argv.slice(2);

/** The one line on stdin: the test files to run (relative to root), or undefined when stdin ends without it. */
const go = new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d) => {
    text += d;
    const nl = text.indexOf("\n");
    if (nl >= 0) resolve(text.slice(0, nl));
  });
  process.stdin.on("end", () => resolve(undefined));
  process.stdin.on("error", () => resolve(undefined));
});

/** Ends without running anything: exit code 3, which tests-ahead.ts reads as "not run". */
const notRun = () => {
  process.stderr.write("tests-runner: not run (no go after the verdict)\n");
  process.exit(3);
};
// Told before vitest is even loaded: stop at once.
go.then((line) => line === undefined && notRun());

// A start that takes long says where it is, so a run stopped at its time limit shows it.
let phase = "importing vitest";
const started = Date.now();
const slow = setInterval(
  () => process.stderr.write(`tests-runner: still ${phase} after ${Math.round((Date.now() - started) / 1000)} s\n`),
  10_000,
);
slow.unref();
const { createVitest } = await import(pathToFileURL(vitestNode).href);
phase = "starting vitest";
const vitest = await createVitest("test", {
  root,
  config,
  configLoader: "native",
  reporters: ["dot"],
  silent: "passed-only",
  run: true,
  watch: false,
});
clearInterval(slow);
process.stderr.write("tests-runner: ready\n");

const line = await go;
if (line === undefined) notRun();
const files = JSON.parse(line);
if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === "string")) {
  process.stderr.write(`tests-runner: not run: the go line is not a list of test files: ${line.slice(0, 200)}\n`);
  process.exit(2);
}
try {
  await vitest.start(files);
} catch (e) {
  process.exitCode = 1;
  process.stderr.write(`tests-runner: ${e?.stack ?? e}\n`);
}
await vitest.close();
process.exit();
