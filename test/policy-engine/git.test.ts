import { describe, it, expect, afterEach } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo, type TestRepo } from "../helpers/git.ts";
import {
  readChangeAndBaseFiles,
  readChangeSet,
  readTreeFilesAtRef,
  resolveCommit,
  resolveCommits,
  parseHunks,
  decodeText,
  GitError,
} from "../../policy-engine/git.ts";

let repo: TestRepo;
afterEach(() => repo?.cleanup());

function byPath<T extends { path: string }>(files: T[]): Record<string, T> {
  return Object.fromEntries(files.map((f) => [f.path, f]));
}

describe("readChangeSet", () => {
  it("reads added, modified, deleted and renamed files with texts and line numbers", () => {
    repo = makeRepo();
    const body = Array.from({ length: 30 }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";
    repo.write({
      "bot/plugins/a.ts": "one\ntwo\nthree\n",
      "bot/plugins/gone.ts": "x\ny\n",
      "bot/plugins/old-name.ts": body,
    });
    const base = repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({
      "bot/plugins/a.ts": "one\nTWO\nthree\nfour\n",
      "bot/plugins/gone.ts": null,
      "bot/plugins/old-name.ts": null,
      "bot/plugins/new-name.ts": body.replace("v3 = 3", "v3 = 33"),
      "bot/plugins/file with space é.ts": "hi\n",
    });
    const head = repo.commit("head");

    const cs = readChangeSet(repo.dir, "main", "feature");
    expect(cs.base).toBe(base);
    expect(cs.head).toBe(head);
    const f = byPath(cs.files);
    expect(Object.keys(f).sort()).toEqual([
      "bot/plugins/a.ts",
      "bot/plugins/file with space é.ts",
      "bot/plugins/gone.ts",
      "bot/plugins/new-name.ts",
    ]);
    expect(f["bot/plugins/a.ts"]).toMatchObject({
      status: "modified",
      before: "one\ntwo\nthree\n",
      after: "one\nTWO\nthree\nfour\n",
      addedLines: [2, 4],
      removedLineCount: 1,
      oldMode: "100644",
      newMode: "100644",
      binary: false,
    });
    expect(f["bot/plugins/gone.ts"]).toMatchObject({ status: "deleted", before: "x\ny\n", addedLines: [], removedLineCount: 2 });
    expect(f["bot/plugins/gone.ts"].after).toBeUndefined();
    expect(f["bot/plugins/new-name.ts"]).toMatchObject({
      status: "renamed",
      oldPath: "bot/plugins/old-name.ts",
      addedLines: [4],
      removedLineCount: 1,
    });
    expect(f["bot/plugins/file with space é.ts"]).toMatchObject({ status: "added", after: "hi\n", addedLines: [1] });
  });

  it("uses merge-base semantics: commits on the base after branching are not part of the change", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({ "b.ts": "b\n" });
    repo.commit("feature");
    repo.git("checkout", "-q", "main");
    repo.write({ "c.ts": "c\n", "a.ts": "changed on main\n" });
    repo.commit("main moves on");
    const cs = readChangeSet(repo.dir, "main", "feature");
    expect(cs.files.map((x) => x.path)).toEqual(["b.ts"]);
  });

  it("reports modes, symlink targets, binary and non-UTF-8 files", () => {
    repo = makeRepo();
    repo.write({ "run.sh": "echo hi\n", "data.txt": "text\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.chmod("run.sh", 0o755);
    repo.symlink("bot/plugins/link.ts", "../../policies/ouro.yml");
    repo.write({ "img.bin": "PNG\0\x01\x02binary" });
    repo.write({ "data.txt": null });
    // Latin-1 bytes: valid for git, invalid UTF-8 for us.
    writeFileSync(repo.dir + "/latin1.ts", Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    repo.commit("head");

    const f = byPath(readChangeSet(repo.dir, "main", "feature").files);
    expect(f["run.sh"]).toMatchObject({ status: "modified", oldMode: "100644", newMode: "100755", addedLines: [], removedLineCount: 0 });
    expect(f["bot/plugins/link.ts"]).toMatchObject({ status: "added", newMode: "120000", after: "../../policies/ouro.yml", binary: false });
    expect(f["img.bin"]).toMatchObject({ status: "added", binary: true, addedLines: [] });
    expect(f["img.bin"].after).toBeUndefined();
    expect(f["latin1.ts"]).toMatchObject({ binary: true });
    expect(f["latin1.ts"].after).toBeUndefined();
  });

  it("reads a type change (a file replaced by a symlink) as one entry beside other changes", () => {
    repo = makeRepo();
    repo.write({
      "bot/plugins/a/index.ts": "export const a = 1;\nexport const b = 2;\n",
      "bot/plugins/b/index.ts": "export const x = 1;\n",
    });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({ "bot/plugins/a/index.ts": null, "bot/plugins/b/index.ts": "export const x = 2;\n" });
    repo.symlink("bot/plugins/a/index.ts", "../../core/plugin.ts");
    repo.commit("head");

    const f = byPath(readChangeSet(repo.dir, "main", "feature").files);
    expect(Object.keys(f).sort()).toEqual(["bot/plugins/a/index.ts", "bot/plugins/b/index.ts"]);
    expect(f["bot/plugins/a/index.ts"]).toMatchObject({
      status: "type-changed",
      oldMode: "100644",
      newMode: "120000",
      after: "../../core/plugin.ts",
      removedLineCount: 2,
      addedLines: [1],
    });
    expect(f["bot/plugins/b/index.ts"]).toMatchObject({ status: "modified", addedLines: [1], removedLineCount: 1 });
  });

  it("ignores the head's .gitattributes that try to hide code as binary", () => {
    repo = makeRepo();
    repo.write({ "README.md": "x\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({ ".gitattributes": "*.ts binary -diff\n", "bot/plugins/evil.ts": "const a = 1;\neval(a);\n" });
    repo.commit("head");
    const f = byPath(readChangeSet(repo.dir, "main", "feature").files);
    expect(f["bot/plugins/evil.ts"]).toMatchObject({ binary: false, after: "const a = 1;\neval(a);\n", addedLines: [1, 2] });
  });

  it("reports a submodule (gitlink) change without trying to read its commit", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.git("update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/sub`);
    repo.git("commit", "-q", "-m", "submodule");
    const f = byPath(readChangeSet(repo.dir, "main", "feature").files);
    expect(f["vendor/sub"]).toMatchObject({ status: "added", newMode: "160000", binary: false });
    expect(f["vendor/sub"].after).toBeUndefined();
  });

  it("fails with a clear GitError on unknown refs, option-like refs and non-repositories", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    repo.commit("base");
    expect(() => readChangeSet(repo.dir, "main", "no-such-branch")).toThrow(/unknown git ref "no-such-branch"/);
    expect(() => readChangeSet(repo.dir, "--output=/tmp/x", "main")).toThrow(GitError);
    expect(() => resolveCommit(repo.dir + "/nope", "main")).toThrow(GitError);
  });

  it("fails clearly when the two refs share no history", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "--orphan", "other");
    repo.write({ "b.ts": "b\n" });
    repo.commit("unrelated");
    expect(() => readChangeSet(repo.dir, "main", "other")).toThrow(/no merge base between/);
  });

  it("reads repoDir even when the environment points GIT_DIR elsewhere", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({ "b.ts": "b\n" });
    repo.commit("feature");
    const decoy = makeRepo();
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(decoy.dir, ".git");
    try {
      expect(readChangeSet(repo.dir, "main", "feature").files.map((f) => f.path)).toEqual(["b.ts"]);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
      decoy.cleanup();
    }
  });

  it("returns an empty change when head equals base", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    repo.commit("base");
    expect(readChangeSet(repo.dir, "main", "main").files).toEqual([]);
  });
});

describe("readTreeFilesAtRef", () => {
  it("reads regular files under a folder at the given ref only", () => {
    repo = makeRepo();
    repo.write({ "policies/ouro.yml": "mode: enforce\n", "policies/extra/x.yaml": "a: 1\n", "other.yml": "no\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({ "policies/ouro.yml": "mode: evaluate\n", "policies/new.yml": "b: 2\n" });
    repo.symlink("policies/link.yml", "../other.yml");
    repo.commit("head");
    const atBase = readTreeFilesAtRef(repo.dir, "main", "policies");
    expect(atBase).toEqual([
      { path: "policies/extra/x.yaml", mode: "100644", text: "a: 1\n" },
      { path: "policies/ouro.yml", mode: "100644", text: "mode: enforce\n" },
    ]);
    const atHead = readTreeFilesAtRef(repo.dir, "feature", "policies").map((f) => f.path);
    expect(atHead).toEqual(["policies/extra/x.yaml", "policies/new.yml", "policies/ouro.yml"]);
  });
});

describe("readChangeAndBaseFiles", () => {
  it("reads the change and the BASE's files in one go, as the two readers do apart", () => {
    repo = makeRepo();
    repo.write({ "policies/ouro.yml": "mode: enforce\n", "a.ts": "one\n", "b.md": "b\n" });
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "feature");
    repo.write({ "policies/ouro.yml": "mode: evaluate\n", "a.ts": "one\ntwo\n", "b.md": null, "c.bin": "\u0000\u0001" });
    repo.chmod("a.ts", 0o755);
    repo.commit("head");
    const both = readChangeAndBaseFiles(repo.dir, "main", "feature", "policies");
    expect(both.change).toEqual(readChangeSet(repo.dir, "main", "feature"));
    expect(both.baseFiles).toEqual(readTreeFilesAtRef(repo.dir, "main", "policies"));
    expect(both.baseFiles.map((f) => f.text)).toEqual(["mode: enforce\n"]);
    expect(byPath(both.change.files)["a.ts"]).toMatchObject({ addedLines: [2], oldMode: "100644", newMode: "100755" });
    expect(byPath(both.change.files)["c.bin"]).toMatchObject({ status: "added", binary: true });
  });

  it("names the ref it cannot resolve, base or head, and changes nothing", () => {
    repo = makeRepo();
    repo.write({ "a.ts": "a\n" });
    const base = repo.commit("base");
    expect(resolveCommits(repo.dir, ["main", "HEAD", base.slice(0, 10)])).toEqual([base, base, base]);
    expect(() => readChangeAndBaseFiles(repo.dir, "nope", "main", "policies")).toThrow(/unknown git ref "nope"/);
    expect(() => readChangeAndBaseFiles(repo.dir, "main", "main^{tree}", "policies")).toThrow(/unknown git ref "main\^\{tree\}"/);
    expect(() => resolveCommits(repo.dir, ["main", "-h"])).toThrow(GitError);
    expect(() => resolveCommits(repo.dir + "/nope", ["main"])).toThrow(/cannot run git in/);
    expect(repo.git("status", "--porcelain")).toBe("");
  });
});

describe("helpers", () => {
  it("parseHunks counts added lines and removals from -U0 headers", () => {
    const patch = [
      "diff --git a/x b/x",
      "--- a/x",
      "+++ b/x",
      "@@ -1 +1 @@",
      "-a",
      "+b",
      "@@ -5,0 +6,2 @@ fn",
      "+c",
      "+d",
      "@@ -9,3 +10,0 @@",
      "diff --git a/y b/y",
      "old mode 100644",
      "new mode 100755",
    ].join("\n");
    expect(parseHunks(patch)).toEqual([
      { addedLines: [1, 6, 7], removedLineCount: 4 },
      { addedLines: [], removedLineCount: 0 },
    ]);
  });
  it("decodeText rejects NUL bytes and invalid UTF-8 but keeps a BOM", () => {
    expect(decodeText(Buffer.from("a\0b"))).toBeUndefined();
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x41]))).toBeUndefined();
    expect(decodeText(Buffer.from("\uFEFFhé"))).toBe("\uFEFFhé");
  });
});
