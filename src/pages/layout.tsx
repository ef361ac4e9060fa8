import type { Child } from 'hono/jsx';
import { useContext } from 'hono/jsx';
import { BrandContext } from './brand.js';

export function Layout(props: { title: string; wide?: boolean; children: Child }) {
  const brand = useContext(BrandContext);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · ${brand.name}`}</title>
        <link rel="stylesheet" href="/assets/gatehouse.css" />
      </head>
      <body>
        <main class={props.wide ? 'wide' : undefined}>
          <header class="brand">
            {brand.logoUrl && <img src={brand.logoUrl} alt="" width="28" height="28" />}
            <b>{brand.name}</b>
          </header>
          {props.children}
        </main>
      </body>
    </html>
  );
}
