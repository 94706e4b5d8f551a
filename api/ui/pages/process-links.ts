/** The process page's own address with the given query fields (empty ones left out), for its links. */
export function processPageUrl(name: string, fields: Readonly<Record<string, string | number | undefined>>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return `/ui/processes/${encodeURIComponent(name)}${text === '' ? '' : `?${text}`}`;
}
