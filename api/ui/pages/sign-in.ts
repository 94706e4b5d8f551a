import { html } from '../html';
import { csrfField, layout } from './layout';

export function signInPage(csrf: string, error: string | null): string {
  const message = error ? html`<p class="error" role="alert" id="sign-in-error">${error}</p>` : null;
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      <p>Sign in with the API token (API_TOKEN) this server was started with.</p>
      ${message}
      <form method="post" action="/ui/sign-in" class="card">
        ${csrfField(csrf)}
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          ${error ? html`aria-describedby="sign-in-error"` : null}
        />
        <button type="submit">Sign in</button>
      </form>`,
    { csrf, signedIn: false },
  );
}

export function errorPage(statusCode: number, message: string, context: { csrf: string; signedIn: boolean }): string {
  return layout(
    `Error ${statusCode}`,
    html`<h1>Error ${statusCode}</h1>
      <p role="alert">${message}</p>
      <p><a href="/ui">Back to the processes</a></p>`,
    context,
  );
}
