/** The latency floor's one activity: does nothing, so what remains is Temporal's own round trips. */
export const noopActivities = {
  async noop(): Promise<void> {},
};

export type NoopActivities = typeof noopActivities;
