const MASK = '***';

/**
 * The URL with any password replaced by ***, for printing.
 * A DATABASE_URL given by the user may hold a real password; it must never reach a terminal or CI log.
 */
export function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = MASK;
    return url.toString();
  } catch {
    // Not parseable as a URL: still hide anything that looks like user:password@.
    return value.replace(/\/\/([^/:@]*):[^/@]*@/, `//$1:${MASK}@`);
  }
}
