import { html, type SafeHtml } from '../html';

export interface PageContext {
  /** The CSRF token for this page's forms. */
  readonly csrf: string;
  /** Whether a sign-out button makes sense: a session exists (false when the console is open on loopback). */
  readonly signedIn: boolean;
}

export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}" />`;
}

/** The page around every console view: one stylesheet from /ui/assets, no script (CSP self). */
export function layout(title: string, body: SafeHtml, context: PageContext): string {
  const signOut =
    context.signedIn && context.csrf !== ''
      ? html`<form method="post" action="/ui/sign-out" class="sign-out">
          ${csrfField(context.csrf)}<button type="submit">Sign out</button>
        </form>`
      : null;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Behflow processes</title>
        <link rel="stylesheet" href="/ui/assets/console.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/ui">Behflow processes</a>
          <nav aria-label="Main"><a href="/ui">Processes</a></nav>
          ${signOut}
        </header>
        <main id="main">${body}</main>
      </body>
    </html> `.value;
}
