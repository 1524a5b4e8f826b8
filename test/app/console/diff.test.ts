// The console's HTML pieces that need no app: escaping, the diff with findings at their lines
// and highlighting, and the patch made from two versions when GitHub leaves it out.
import { describe, expect, it } from "vitest";
import { renderFileDiff } from "../../../app/console/diff.ts";
import { html as h, raw } from "../../../contract/html.ts";
import { unifiedPatch } from "../../../app/console/patch.ts";

describe("html", () => {
  it("escapes every value unless it is markup made by html or raw", () => {
    const text = `<img src=x onerror="alert(1)"> & 'x'`;
    const esc = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;x&#39;";
    expect(h`<p title="${text}">${text}</p>`.text).toBe(`<p title="${esc}">${esc}</p>`);
    expect(h`<ul>${["<a>", h`<li>ok</li>`, null, false, undefined]}</ul>`.text).toBe("<ul>&lt;a&gt;<li>ok</li></ul>");
    expect(h`${raw("<b>kept</b>")}`.text).toBe("<b>kept</b>");
  });
});

describe("a file's diff", () => {
  const before = "const a = 1;\nconst b = 2;\nexport { a, b };\n";
  const after = 'const a = 1;\nconst b = eval("2");\nexport { a, b };\n';

  it("marks added and removed lines with a sign and a word, numbers both sides, and highlights by language", () => {
    const patch = unifiedPatch(before, after)!;
    expect(patch).toBe('@@ -1,3 +1,3 @@\n const a = 1;\n-const b = 2;\n+const b = eval("2");\n export { a, b };');
    const out = renderFileDiff({ filename: "bot/plugins/x/index.ts", status: "modified", additions: 1, deletions: 1, patch }, [], 0).text;
    expect(out).toMatch(
      /<tr class="del">\s*<td class="ln">2<\/td>\s*<td class="ln"><\/td>\s*<td class="mark"><span aria-hidden="true">−<\/span><span class="sr-only">removed<\/span><\/td>/,
    );
    expect(out).toMatch(
      /<tr class="add">\s*<td class="ln"><\/td>\s*<td class="ln">2<\/td>\s*<td class="mark"><span aria-hidden="true">\+<\/span><span class="sr-only">added<\/span><\/td>/,
    );
    expect(out).toContain('<span class="hljs-keyword">const</span>'); // TypeScript, highlighted
    expect(out).toContain("&quot;2&quot;"); // the code's own text stays escaped inside the highlighting
  });

  it("puts each policy finding right under its line, and lists the ones outside the diff", () => {
    const patch = unifiedPatch(before, after)!;
    const findings = [
      { rule: "api/eval", severity: "error" as const, file: "x.ts", line: 2, message: "eval <is> forbidden" },
      { rule: "limits/lines", severity: "warning" as const, file: "x.ts", line: 40, message: "far away" },
    ];
    const out = renderFileDiff({ filename: "x.ts", status: "modified", additions: 1, deletions: 1, patch }, findings, 0).text;
    const added = out.indexOf('<tr class="add">');
    const finding = out.indexOf('<tr class="finding error">');
    expect(finding).toBeGreaterThan(added);
    expect(out.indexOf("export", added)).toBeGreaterThan(finding); // before the next line
    expect(out).toContain("(api/eval, line 2): eval &lt;is&gt; forbidden");
    expect(out).toMatch(/<li><strong>warning<\/strong> limits\/lines at line 40: far away<\/li>/);
  });

  it("makes hunks with three lines of context for added, changed and deleted files", () => {
    expect(unifiedPatch("", "a\nb\n")).toBe("@@ -0,0 +1,2 @@\n+a\n+b");
    expect(unifiedPatch("a\nb\n", "")).toBe("@@ -1,2 +0,0 @@\n-a\n-b");
    const long = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n");
    const changed = long.replace("l10", "L10");
    expect(unifiedPatch(long, changed)).toBe("@@ -8,7 +8,7 @@\n l7\n l8\n l9\n-l10\n+L10\n l11\n l12\n l13");
    expect(unifiedPatch("same\n", "same\n")).toBe("");
  });
});
