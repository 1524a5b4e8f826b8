// app.yml is least privilege and matches what the handlers actually use.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import type { Probot } from "probot";
import { HANDLED_EVENTS, ouroApp } from "../../app/probot-app.ts";
import type { AppContext } from "../../app/context.ts";

const manifestSchema = z.object({
  name: z.string(),
  hook_attributes: z.object({ url: z.string() }),
  public: z.boolean(),
  default_permissions: z.record(z.string(), z.enum(["read", "write"])),
  default_events: z.array(z.string()),
});
const manifest = manifestSchema.parse(parse(readFileSync(new URL("../../app.yml", import.meta.url), "utf8")));

/** The least each capability needs; anything more is a defect. */
const NEEDED: Record<string, "read" | "write"> = {
  metadata: "read",
  contents: "write",
  pull_requests: "write",
  issues: "write",
  checks: "read",
  statuses: "write",
  deployments: "write",
};
/** The permission that makes GitHub send each event. */
const EVENT_PERMISSION: Record<string, string> = {
  check_run: "checks",
  check_suite: "checks",
  deployment_status: "deployments",
  issue_comment: "issues",
  issues: "issues",
  pull_request: "pull_requests",
  pull_request_review: "pull_requests",
  status: "statuses",
};

/** The event families app/probot-app.ts registers handlers for, read from the real app function. */
function registeredEvents(): string[] {
  const names = new Set<string>();
  const recorder = {
    on: (e: string | string[]) => (Array.isArray(e) ? e : [e]).forEach((n) => names.add(n.split(".")[0])),
  } as unknown as Probot;
  void ouroApp({} as AppContext)(recorder, { cwd: ".", addHandler: () => {} });
  return [...names].sort();
}

describe("app.yml", () => {
  it("asks for exactly the permissions Ouro needs, at the lowest level", () => {
    expect(manifest.default_permissions).toEqual(NEEDED);
  });
  it("never asks for workflows, administration, secrets or actions", () => {
    for (const p of ["workflows", "administration", "secrets", "actions", "environments", "members", "organization_administration"])
      expect(manifest.default_permissions).not.toHaveProperty(p);
  });
  it("subscribes to exactly the events the handlers use, each covered by a granted permission", () => {
    expect([...manifest.default_events].sort()).toEqual([...HANDLED_EVENTS].sort());
    expect(registeredEvents()).toEqual([...HANDLED_EVENTS].sort());
    for (const e of manifest.default_events) expect(manifest.default_permissions[EVENT_PERMISSION[e]]).toBeDefined();
  });
  it("is a private app", () => {
    expect(manifest.public).toBe(false);
  });
});
