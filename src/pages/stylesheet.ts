// The pages' only stylesheet, served from /assets/gatehouse.css so the CSP can forbid inline styles.
export const STYLESHEET = `
/* WCAG 2.2 AA in both schemes (test/pages/contrast.test.ts measures it): text 4.5:1 on --card and --bg; --control
   (field and button edges), --accent fills and --focus 3:1 against them. --line only separates, it identifies nothing. */
:root { color-scheme: light dark; --fg: #1c1b19; --muted: #6b665e; --bg: #f6f4ef; --card: #fff; --line: #e3dfd6; --control: #8c867c;
  --accent: #b4532a; --accent-fg: #fff; --danger: #a3231b; --focus: var(--accent); font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; }
@media (prefers-color-scheme: dark) { :root { --fg: #eceae4; --muted: #a7a198; --bg: #191816; --card: #23211e; --line: #3a3732; --control: #807a70;
  --accent: #e07a4f; --accent-fg: #1c1b19; --danger: #f28b82; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg); line-height: 1.5; }
main { width: min(440px, calc(100vw - 32px)); margin: 32px 0; background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 28px; }
main.wide { width: min(720px, calc(100vw - 32px)); }
.brand { display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 15px; margin-bottom: 20px; }
.brand b { color: var(--fg); letter-spacing: 0.01em; }
.brand img { border-radius: 6px; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible { outline-offset: 0; border-color: var(--focus); }
h1 { font-size: 22px; margin: 0 0 8px; }
p { margin: 0 0 14px; }
.muted { color: var(--muted); font-size: 14px; }
label { display: block; font-size: 14px; font-weight: 600; margin: 14px 0 6px; }
input[type=text], input[type=password] { width: 100%; padding: 10px 12px; font: inherit; border: 1px solid var(--control); border-radius: 8px; background: var(--bg); color: var(--fg); }
button, a.button { font: inherit; font-weight: 600; padding: 10px 16px; border-radius: 8px; border: 1px solid var(--control); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary, a.button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); }
a.button { display: block; text-align: center; text-decoration: none; }
.providers { display: grid; gap: 10px; margin: 18px 0; }
.divider { text-align: center; margin: 18px 0 0; }
button.danger { color: var(--danger); }
button.link { padding: 0; border: 0; border-radius: 2px; background: none; color: var(--accent); font-weight: inherit; text-decoration: underline; }
hgroup { margin: 0 0 14px; }
hgroup h1 { margin-bottom: 4px; }
hgroup p { margin: 0; }
details.client { font-size: 14px; margin: 0 0 14px; }
details.client summary { cursor: pointer; color: var(--muted); }
details.client dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 8px 0 0; }
details.client dt { color: var(--muted); }
details.client dd { margin: 0; overflow-wrap: anywhere; }
.client-links a { white-space: nowrap; }
.reference code { user-select: all; }
.error, .detail { overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
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
  /* The decision stays in view however long the page above it: both buttons are always on the phone's screen. */
  .actions.decision { position: sticky; bottom: 0; flex-direction: row; margin-top: 8px; padding: 12px 0 16px; background: var(--card); box-shadow: 0 -1px 0 var(--line); }
  .actions.decision button { flex: 1; width: auto; }
  table, thead, tbody, tr, td { display: block; }
  thead { position: absolute; left: -9999px; }
  tr { border: 1px solid var(--line); border-radius: 10px; padding: 8px 10px; margin-bottom: 10px; }
  td { border: 0; padding: 4px 0; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
/* account page */
main > section { margin-top: 30px; }
main > section > h2 { font-size: 18px; margin: 0 0 6px; }
.notice { border: 1px solid var(--control); border-left: 4px solid var(--accent); padding: 10px 12px; border-radius: 8px; font-size: 14px; }
.badge { display: inline-block; margin-left: 8px; padding: 0 8px; border: 1px solid var(--control); border-radius: 999px; color: var(--fg); font-size: 12px; font-weight: 600; white-space: nowrap; }
td form { margin: 0; }
td button { padding: 6px 12px; font-size: 14px; white-space: nowrap; }
form.password-form { max-width: 420px; }
form.password-form .hint { margin: 6px 0 0; }
#sessions .actions, #password .actions { margin-top: 14px; }
@media (max-width: 560px) {
  td button { width: 100%; }
  form.password-form { max-width: none; }
}
`;
