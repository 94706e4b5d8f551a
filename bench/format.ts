/** Number formatting shared by the progress lines and the table. */
export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

export function ms(value: number): string {
  return `${value.toFixed(value < 100 ? 1 : 0)} ms`;
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—';
}

export function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}
