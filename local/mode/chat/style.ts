// The chat page's look: readable at 390 px (the channel list folds above the messages), dark
// text on light backgrounds, visible focus, buttons that look like Discord's by style.
export const PAGE_STYLE = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#111;background:#fff}
header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between;padding:.5rem 1rem;border-bottom:1px solid #ccc;background:#f4f5f7}
h1{font-size:1.25rem;margin:0}.guild{font-weight:400;color:#333}
h2{font-size:1.1rem;margin:.75rem 0 .5rem}
a{color:#0645ad}
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
.layout{display:grid;grid-template-columns:14rem minmax(0,1fr);gap:1rem;padding:0 1rem 2rem;max-width:72rem}
@media (max-width:40rem){.layout{grid-template-columns:minmax(0,1fr)}nav{border-bottom:1px solid #ccc}}
nav ul{list-style:none;margin:0;padding:0}nav ul ul{padding-left:1rem}
nav a{display:inline-block;padding:.25rem 0;overflow-wrap:anywhere}
nav a[aria-current]{font-weight:700;color:#111}
#messages,.reply-messages{list-style:none;margin:0;padding:0}
.message{padding:.5rem 0;border-bottom:1px solid #e3e3e3;overflow-wrap:anywhere}
.meta{margin:0;color:#333}.meta time,.edited{color:#555;font-size:.875rem}
.tag{font-size:.75rem;background:#3c45a5;color:#fff;border-radius:3px;padding:0 .3rem}
.used,.thread,.attachments,.reactions{margin:.1rem 0;font-size:.9rem;color:#333}
.thinking,.state{font-style:italic;color:#333}
.content,.embed-description{white-space:pre-wrap}
code{background:#eceef1;padding:0 .2rem;border-radius:3px;font-size:.9em}
.mention{background:#e6e8fd;color:#1e2a8a;border-radius:3px;padding:0 .15rem}
.embed{border-left:4px solid #8a8f98;background:#f2f3f5;padding:.5rem .75rem;margin:.35rem 0;border-radius:4px;max-width:40rem}
.embed p{margin:.15rem 0}.embed-footer,.embed-author{font-size:.8rem;color:#444}
.embed-fields{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:.25rem 0}
.embed-fields div{flex:1 1 100%}.embed-fields div.inline{flex:1 1 10rem}
.embed-fields dt{font-weight:700}.embed-fields dd{margin:0;white-space:pre-wrap}
.components{display:flex;flex-wrap:wrap;gap:.4rem;margin:.35rem 0}
button,.button,select,input,textarea{font:inherit}
button,.button{min-height:2.25rem;padding:.25rem .8rem;border-radius:4px;border:1px solid #4e5058;background:#4e5058;color:#fff;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center}
button.style-1,button.run{background:#4752c4;border-color:#4752c4}
button.style-3{background:#1f7a3d;border-color:#1f7a3d}
button.style-4{background:#b3262d;border-color:#b3262d}
button:disabled{background:#d0d2d6;color:#333;border-color:#aaa;cursor:not-allowed}
.button{background:#fff;color:#0645ad;border-color:#0645ad}
#reply{margin:1rem 0;padding:.5rem .75rem;border:1px solid #c9ccd1;border-radius:6px;background:#fafbfc}
.error{background:#fde8e8;border:1px solid #b3262d;color:#7a1116;padding:.5rem .75rem;border-radius:4px}
form#command,.modal{margin-top:1rem}
fieldset{border:1px solid #c9ccd1;border-radius:6px;padding:.5rem .75rem}
.row,.option{display:flex;flex-wrap:wrap;gap:.25rem .5rem;align-items:center;margin:.4rem 0}
.option label{font-weight:600;min-width:8rem}
.option input[type=text],.option input[type=number],.option select,.option textarea{flex:1 1 12rem;min-width:0;max-width:100%;padding:.3rem;border:1px solid #767676;border-radius:4px}
#command-select{max-width:100%;min-width:0;flex:1 1 14rem;padding:.3rem}
.hint{flex:1 1 100%;font-size:.875rem;color:#444}
.required{font-weight:400;color:#7a1116}
.check label{min-width:0}
`;
