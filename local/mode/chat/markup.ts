// The console's escaping template (contract/html.ts), under the name `h`: the formatter
// re-indents templates tagged `html`, and here whitespace is content (message text is shown
// pre-wrap, and tests and the story read the text as written).
export { html as h, SafeHtml } from "../../../contract/html.ts";
