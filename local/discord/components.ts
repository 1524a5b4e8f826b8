// Message component rules Discord enforces on send (classic action rows, buttons, selects), so a bot
// that builds an invalid row fails here as it would on Discord (400, 50035, per-field errors).
// Components V2 messages (flag IS_COMPONENTS_V2) are only checked for duplicate custom ids.
import { ButtonStyle, ComponentType, MessageFlags } from "discord-api-types/v10";

export interface ComponentIssue {
  path: (string | number)[];
  message: string;
}

type Node = { type?: number; custom_id?: string; components?: Node[]; component?: Node; accessory?: Node; [k: string]: unknown };

const SELECTS = new Set<number>([
  ComponentType.StringSelect,
  ComponentType.UserSelect,
  ComponentType.RoleSelect,
  ComponentType.MentionableSelect,
  ComponentType.ChannelSelect,
]);

export function componentIssues(components: unknown[] | null | undefined, flags: number | null | undefined): ComponentIssue[] {
  if (!components) return [];
  const issues: ComponentIssue[] = [];
  const seen = new Map<string, string>();
  const walk = (node: Node, path: (string | number)[]) => {
    if (typeof node.custom_id === "string") {
      if (seen.has(node.custom_id)) issues.push({ path: [...path, "custom_id"], message: "Component custom id cannot be duplicated" });
      seen.set(node.custom_id, path.join("."));
    }
    node.components?.forEach((c, i) => walk(c, [...path, "components", i]));
    if (node.component) walk(node.component, [...path, "component"]);
    if (node.accessory) walk(node.accessory, [...path, "accessory"]);
  };
  (components as Node[]).forEach((c, i) => walk(c, ["components", i]));
  if ((flags ?? 0) & MessageFlags.IsComponentsV2) return issues;

  if (components.length > 5) issues.push({ path: ["components"], message: "Must be 5 or fewer in length." });
  (components as Node[]).forEach((row, i) => {
    const at = ["components", i];
    if (row.type !== ComponentType.ActionRow) {
      issues.push({
        path: [...at, "type"],
        message: "Top-level components must be action rows (type 1) unless the message has the IS_COMPONENTS_V2 flag",
      });
      return;
    }
    const children = row.components ?? [];
    if (children.length === 0 || children.length > 5)
      issues.push({ path: [...at, "components"], message: "Must be between 1 and 5 in length." });
    const selects = children.filter((c) => SELECTS.has(c.type ?? 0));
    if (selects.length > 0 && children.length > 1)
      issues.push({ path: [...at, "components"], message: "A select menu must be alone in its action row" });
    children.forEach((c, j) => {
      const cat = [...at, "components", j];
      if (c.type === ComponentType.Button) issues.push(...buttonIssues(c, cat));
      else if (c.type === ComponentType.StringSelect) issues.push(...selectIssues(c, cat));
      else if (!SELECTS.has(c.type ?? 0))
        issues.push({ path: [...cat, "type"], message: `Component type ${c.type} is not valid in an action row` });
    });
  });
  return issues;
}

function buttonIssues(b: Node, at: (string | number)[]): ComponentIssue[] {
  const out: ComponentIssue[] = [];
  const style = b.style as number | undefined;
  if (style === undefined || style < ButtonStyle.Primary || style > ButtonStyle.Premium)
    out.push({ path: [...at, "style"], message: "Value must be one of (1, 2, 3, 4, 5, 6)." });
  if (style === ButtonStyle.Link) {
    if (typeof b.url !== "string") out.push({ path: [...at, "url"], message: "This field is required" });
    if (b.custom_id !== undefined) out.push({ path: [...at, "custom_id"], message: "A link button cannot have a custom_id" });
  } else if (style !== ButtonStyle.Premium && typeof b.custom_id !== "string")
    out.push({ path: [...at, "custom_id"], message: "This field is required" });
  if (style !== ButtonStyle.Premium && b.label === undefined && b.emoji === undefined)
    out.push({ path: [...at, "label"], message: "A button needs a label or an emoji" });
  if (typeof b.label === "string" && b.label.length > 80) out.push({ path: [...at, "label"], message: "Must be 80 or fewer in length." });
  if (typeof b.custom_id === "string" && (b.custom_id.length < 1 || b.custom_id.length > 100))
    out.push({ path: [...at, "custom_id"], message: "Must be between 1 and 100 in length." });
  return out;
}

function selectIssues(s: Node, at: (string | number)[]): ComponentIssue[] {
  const out: ComponentIssue[] = [];
  if (typeof s.custom_id !== "string") out.push({ path: [...at, "custom_id"], message: "This field is required" });
  const options = (s.options as { label?: unknown; value?: unknown }[] | undefined) ?? [];
  if (options.length < 1 || options.length > 25) out.push({ path: [...at, "options"], message: "Must be between 1 and 25 in length." });
  const values = new Set<unknown>();
  options.forEach((o, k) => {
    if (typeof o.label !== "string" || o.label.length < 1 || o.label.length > 100)
      out.push({ path: [...at, "options", k, "label"], message: "Must be between 1 and 100 in length." });
    if (typeof o.value !== "string" || o.value.length < 1 || o.value.length > 100)
      out.push({ path: [...at, "options", k, "value"], message: "Must be between 1 and 100 in length." });
    if (values.has(o.value)) out.push({ path: [...at, "options", k, "value"], message: "Select menu option values must be unique" });
    values.add(o.value);
  });
  const min = (s.min_values as number | undefined) ?? 1;
  const max = (s.max_values as number | undefined) ?? 1;
  if (min < 0 || min > 25 || max < 1 || max > 25 || min > max)
    out.push({ path: [...at, "max_values"], message: "min_values/max_values must satisfy 0 ≤ min ≤ max ≤ 25" });
  else if (max > options.length && options.length > 0)
    out.push({ path: [...at, "max_values"], message: `Must be less than or equal to ${options.length}.` });
  return out;
}
