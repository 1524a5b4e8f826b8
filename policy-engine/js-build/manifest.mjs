// The policy engine's JS build (see build.mjs) and the one test that decides whether it may
// run: its manifest must name exactly today's sources (every file under policy-engine/, the
// builder included, and the assets it copies), this Node, and exactly the files in the build
// directory with their digests. Anything else (a source edited since, a file added, an
// output edited or added, another Node) and the check runs from the .ts sources instead.
// Plain JavaScript: cli.mjs runs this before anything has to be type-stripped.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, URL } from "node:url";

/** Bumped when the build's layout changes: an older build is then stale. */
export const BUILD_FORMAT = 1;
/** The checkout holding policy-engine/. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Beside the dependencies: as trusted as they are, wiped by `npm ci`, ignored by every tool. */
export const BUILD_DIR = join(ROOT, "node_modules/.cache/ouro-policy-engine");
export const MANIFEST = "manifest.json";
/** Files outside policy-engine/ that the engine reads next to itself, copied as they are. */
export const ASSETS = ["policies/policy.schema.json"];
/** The build's entry, relative to the build directory. */
export const ENTRY = "policy-engine/command.mjs";

export const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/**
 * Every file under `dir`, as sorted /-separated paths relative to `base`. With `regularOnly`
 * anything but a directory or a regular file (a symbolic link, a socket) throws.
 */
export function listFiles(base, dir, regularOnly = false) {
  const top = join(base, dir);
  const prefix = dir === "" ? "" : `${dir}/`;
  return readdirSync(top, { recursive: true, withFileTypes: true })
    .filter((e) => {
      if (regularOnly && !e.isDirectory() && !e.isFile()) throw new Error(`${join(e.parentPath, e.name)} is not a regular file`);
      return !e.isDirectory();
    })
    .map(
      (e) =>
        prefix +
        join(e.parentPath, e.name)
          .slice(top.length + 1)
          .split("\\")
          .join("/"),
    )
    .sort();
}

/** path → sha256 of each of `paths` under `base`. */
export function digests(base, paths) {
  return Object.fromEntries(paths.map((p) => [p, sha256(readFileSync(join(base, p)))]));
}

/** The build's inputs as they are now: every file under policy-engine/ and the assets. */
export function sourceDigests(root = ROOT) {
  return digests(root, [...listFiles(root, "policy-engine"), ...ASSETS]);
}

const sameDigests = (a, b) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

/**
 * The absolute path of the build's entry when the build in `dir` is exactly what the
 * sources under `root` make on this Node; otherwise `{ stale }` saying why not.
 */
export function checkBuild(root = ROOT, dir = BUILD_DIR) {
  try {
    return compare(root, dir);
  } catch (err) {
    return { stale: `the build could not be read (${err.message})` };
  }
}

function compare(root, dir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), "utf8"));
  } catch {
    return { stale: "no build" };
  }
  if (manifest?.format !== BUILD_FORMAT) return { stale: "another build format" };
  if (manifest.node !== process.version) return { stale: `built by Node ${manifest.node}` };
  if (typeof manifest.sources !== "object" || typeof manifest.outputs !== "object") return { stale: "a manifest without digests" };
  if (!sameDigests(manifest.sources, sourceDigests(root))) return { stale: "the sources changed since the build" };
  const files = listFiles(dir, "", true).filter((p) => p !== MANIFEST);
  if (!sameDigests(manifest.outputs, digests(dir, files))) return { stale: "the build's files are not the ones it made" };
  if (!Object.hasOwn(manifest.outputs, ENTRY)) return { stale: "a build without its entry" };
  return { entry: join(dir, ENTRY) };
}
