/** Left-pads a non-negative integer with zeros, as ISO 8601 fields require. */
export function zeroPad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
