/** A process_config or schedule_config value that breaks its rule; names the field and what is allowed. */
export class InvalidProcessConfigError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field} ${rule}`);
    this.name = 'InvalidProcessConfig';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readObject(raw: unknown, field: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidProcessConfigError(field, 'must be a JSON object');
  return raw as Record<string, unknown>;
}

export function rejectUnknownKeys(config: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const unknown = Object.keys(config).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new InvalidProcessConfigError(
      `${field}.${unknown[0]}`,
      `is not a known key; allowed keys are: ${allowed.join(', ')}`,
    );
  }
}

export function readUserIds(value: unknown, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((id) => typeof id === 'string' && UUID.test(id))) {
    throw new InvalidProcessConfigError(field, 'must be a non-empty list of user ids (UUIDs), or absent for all users');
  }
  return [...new Set(value.map((id: string) => id.toLowerCase()))];
}

export function readBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InvalidProcessConfigError(field, 'must be true or false');
  return value;
}

export function readInteger(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidProcessConfigError(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}
