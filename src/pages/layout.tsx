import type { Child } from 'hono/jsx';

export function Layout(props: { title: string; wide?: boolean; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title} · Gatehouse</title>
        <link rel="stylesheet" href="/assets/gatehouse.css" />
      </head>
      <body>
        <main class={props.wide ? 'wide' : undefined}>
          <div class="brand">
            <b>Gatehouse</b>
          </div>
          {props.children}
        </main>
      </body>
    </html>
  );
}
