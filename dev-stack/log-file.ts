import fs from 'node:fs';

/**
 * Servers write straight into a file rather than a pipe: a pipe nobody reads would fill and block
 * the server, and a server orphaned by a crash must not die of a broken pipe.
 * Truncated at each start so the file holds this run only.
 */
export function openLogFile(file: string): number {
  return fs.openSync(file, 'w');
}

/** The last part of a log, to put into an error message. */
export function logTail(file: string, maxChars = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch {
    return '';
  }
}

export function withLogTail(message: string, file: string): Error {
  const tail = logTail(file);
  return new Error(
    tail === '' ? `${message} (log: ${file}, empty)` : `${message}\n--- last lines of ${file} ---\n${tail}`,
  );
}
