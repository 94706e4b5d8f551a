/** How one attempt at a delivery went, as its outbox row records it. */
export interface SendResult {
  readonly ok: boolean;
  /** The HTTP status (webhook, Slack) or SMTP reply code (email), when there was an answer. */
  readonly status: number | null;
  /** Why it failed, in words; never a secret. */
  readonly error: string | null;
}

const MAX_ERROR_LENGTH = 500;

export function failed(error: string, status: number | null = null): SendResult {
  return { ok: false, status, error: error.slice(0, MAX_ERROR_LENGTH) };
}

/** An error's message with its cause (fetch's "fetch failed" says nothing alone), with `hidden` strings cut out. */
export function describeError(err: unknown, hidden: readonly string[] = []): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  let text = e?.name === 'TimeoutError' ? 'timed out' : (e?.message ?? String(err));
  if (e?.cause?.message) text += `: ${e.cause.message}`;
  for (const secret of hidden) if (secret) text = text.split(secret).join('***');
  return text;
}
