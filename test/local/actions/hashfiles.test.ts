// hashFiles() as the runner computes it: sha256 over the sha256 of each matching file, in path
// order, relative to the workspace; '' when nothing matches; unknown pattern forms are errors.
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ExpressionError } from "../../../local/actions/expressions.ts";
import { hashFiles } from "../../../local/actions/hashfiles.ts";
import { selfUser } from "../../../local/actions/user.ts";
import { tempDir } from "../github/helpers.ts";

const files: Record<string, string> = {
  "package-lock.json": '{"lockfileVersion":3}\n',
  "a.txt": "a\n",
  "sub/b.txt": "b\n",
  "sub/deep/c.txt": "c\n",
  "sub/d.md": "d\n",
  ".hidden/e.txt": "e\n",
};
let ws: string;
const nodeDir = dirname(process.execPath);
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest();
const expected = (names: string[]) => {
  const h = createHash("sha256");
  for (const n of [...names].sort()) h.update(sha(files[n]));
  return h.digest("hex");
};
const hash = (...p: string[]) => hashFiles(selfUser(), nodeDir, ws, p);

beforeAll(() => {
  ws = tempDir("ouro-hashfiles-");
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(ws, p)), { recursive: true });
    writeFileSync(join(ws, p), c);
  }
  symlinkSync("/etc/hostname", join(ws, "sub/link.txt"));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

it("one file: the sha256 of its sha256", () => {
  expect(hash("package-lock.json")).toBe(createHash("sha256").update(sha(files["package-lock.json"])).digest("hex"));
  expect(hash("./package-lock.json")).toBe(expected(["package-lock.json"]));
  expect(hash(join(ws, "package-lock.json"))).toBe(expected(["package-lock.json"]));
});

it("globs, several patterns, a directory's files, exclusions; symbolic links are not followed", () => {
  expect(hash("**/*.txt")).toBe(expected(["a.txt", "sub/b.txt", "sub/deep/c.txt", ".hidden/e.txt"]));
  expect(hash("*.txt", "sub/*.md")).toBe(expected(["a.txt", "sub/d.md"]));
  expect(hash("sub")).toBe(expected(["sub/b.txt", "sub/deep/c.txt", "sub/d.md"]));
  expect(hash("sub/**\n!sub/deep")).toBe(expected(["sub/b.txt", "sub/d.md"]));
  expect(hash("s?b/[bd].*")).toBe(expected(["sub/b.txt", "sub/d.md"]));
});

it("'' when nothing matches, or the pattern leaves the workspace", () => {
  expect(hash("nothing/*.lock")).toBe("");
  expect(hash("../*")).toBe("");
  expect(hash("/etc/hostname")).toBe("");
});

it("unknown pattern forms are errors naming the pattern", () => {
  expect(() => hash("{a,b}.txt")).toThrow(ExpressionError);
  expect(() => hash("{a,b}.txt")).toThrow(/hashFiles\('\{a,b\}\.txt'\): brace expansion/);
  expect(() => hash("@(a|b).txt")).toThrow(/extended globs/);
  expect(() => hash("[ab.txt")).toThrow(/unclosed \[/);
});
