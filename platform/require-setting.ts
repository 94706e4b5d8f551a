/** A server address the entry point cannot run without; unset outside the dev stack is a startup error. */
export function requireSetting(value: string | undefined, variable: string): string {
  if (value === undefined) {
    throw new Error(
      `${variable} is not set. Run "npm start", which starts a local PostgreSQL and Temporal dev server, or set ${variable}.`,
    );
  }
  return value;
}
