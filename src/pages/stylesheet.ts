// The pages' only stylesheet, served from /assets/gatehouse.css so the CSP can forbid inline styles.
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1c1b19; --muted: #6b665e; --bg: #f6f4ef; --card: #fff; --line: #e3dfd6;
  --accent: #b4532a; --accent-fg: #fff; --danger: #a3231b; font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; }
@media (prefers-color-scheme: dark) { :root { --fg: #eceae4; --muted: #a7a198; --bg: #191816; --card: #23211e; --line: #3a3732; --accent: #e07a4f; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg); line-height: 1.5; }
main { width: min(440px, calc(100vw - 32px)); margin: 32px 0; background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 28px; }
main.wide { width: min(720px, calc(100vw - 32px)); }
.brand { display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 15px; margin-bottom: 20px; }
.brand b { color: var(--fg); letter-spacing: 0.01em; }
.brand img { border-radius: 6px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }
input:focus-visible { outline-offset: 0; border-color: var(--accent); }
h1 { font-size: 22px; margin: 0 0 8px; }
p { margin: 0 0 14px; }
.muted { color: var(--muted); font-size: 14px; }
label { display: block; font-size: 14px; font-weight: 600; margin: 14px 0 6px; }
input[type=text], input[type=password] { width: 100%; padding: 10px 12px; font: inherit; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); color: var(--fg); }
button, a.button { font: inherit; font-weight: 600; padding: 10px 16px; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary, a.button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); }
a.button { display: block; text-align: center; text-decoration: none; }
.providers { display: grid; gap: 10px; margin: 18px 0; }
.divider { text-align: center; margin: 18px 0 0; }
button.danger { color: var(--danger); }
.actions { display: flex; gap: 10px; justify-content: flex-end; margin-top: 22px; }
.warning { background: color-mix(in srgb, #c28a00 14%, transparent); padding: 10px 12px; border-radius: 8px; font-size: 14px; }
.trust { font-size: 14px; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--line); }
.trust.verified { border-color: color-mix(in srgb, #2f7d4a 45%, var(--line)); }
.trust.unverified { border-style: dashed; }
.redirect { padding: 10px 12px; border-radius: 8px; border: 1px solid var(--line); }
.redirect .host { font-size: 17px; word-break: normal; overflow-wrap: anywhere; }
img.logo { display: block; border-radius: 10px; margin-bottom: 12px; }
.error { background: color-mix(in srgb, var(--danger) 12%, transparent); color: var(--danger); padding: 10px 12px; border-radius: 8px; font-size: 14px; }
ul.scopes { list-style: none; padding: 0; margin: 0 0 14px; }
ul.scopes li { padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 8px; }
ul.scopes code, code { font-size: 13px; }
.host { font-weight: 600; word-break: break-all; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
ul.scopes li strong, ul.scopes li span { display: block; }
ul.scopes li strong { font-weight: 600; }
ul.scopes li code { display: block; margin-top: 2px; }
@media (max-width: 560px) {
  main, main.wide { padding: 20px; border-radius: 0; border: 0; width: 100%; margin: 0; min-height: 100vh; }
  body { display: block; }
  .actions { flex-direction: column-reverse; }
  .actions button { width: 100%; }
  table, thead, tbody, tr, td { display: block; }
  thead { position: absolute; left: -9999px; }
  tr { border: 1px solid var(--line); border-radius: 10px; padding: 8px 10px; margin-bottom: 10px; }
  td { border: 0; padding: 4px 0; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
`;
