import type { Child } from 'hono/jsx';
import { useContext } from 'hono/jsx';
import { raw } from 'hono/html';
import { BrandContext, ICON_PATH } from './brand.js';

export function Layout(props: { title: string; wide?: boolean; children: Child }) {
  const brand = useContext(BrandContext);
  return (
    <>
      {/* Without it browsers render in quirks mode. */}
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <meta name="color-scheme" content="light dark" />
          <title>{`${props.title} · ${brand.name}`}</title>
          <link rel="stylesheet" href="/assets/gatehouse.css" />
          {brand.logoUrl ? <link rel="icon" href={brand.logoUrl} /> : <link rel="icon" href={ICON_PATH} type="image/svg+xml" />}
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
    </>
  );
}

/** The deployer's name, for a page's own sentences ("Sign in to Acme Tools"). */
export function BrandName() {
  return <>{useContext(BrandContext).name}</>;
}
