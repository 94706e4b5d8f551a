import { describeError, failed, type SendResult } from './send-result';

/** A receiver has this long to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * POSTs the body; a 2xx answer is delivered. Redirects are not followed (a 3xx is a failure naming
 * where it pointed): a receiver that moved says so to whoever owns the policy, rather than the
 * signed body going somewhere nobody chose. `hidden`: strings never to appear in the error (a URL
 * that is itself the secret).
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  hidden: readonly string[] = [],
): Promise<SendResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'behflow-processes', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
    if (response.status >= 300 && response.status < 400) {
      return failed(`redirect (${response.status}) not followed`, response.status);
    }
    const said = text.trim().slice(0, 200);
    return failed(`answered ${response.status}${said ? `: ${said}` : ''}`, response.status);
  } catch (err) {
    return failed(describeError(err, hidden));
  }
}
