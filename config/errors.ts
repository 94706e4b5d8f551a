/** A setting that is missing or breaks its rule; the message names the variable and what is allowed. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    rule: string,
    received?: string,
  ) {
    super(`${variable} ${rule}${received === undefined ? '' : ` (got ${JSON.stringify(received)})`}`);
    this.name = 'ConfigError';
  }
}
