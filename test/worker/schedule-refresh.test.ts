import { refreshSchedulesPeriodically } from '../../worker/schedule-refresh';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the worker's periodic schedule refresh", () => {
  it('runs again at each interval, logs a failure and carries on, never doubles a refresh, and stops', async () => {
    const errors: string[] = [];
    let calls = 0;
    let running = 0;
    let mostAtOnce = 0;
    const stop = refreshSchedulesPeriodically(
      async () => {
        calls++;
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(45); // longer than the interval: the next tick must not start a second one
        running--;
        if (calls === 1) throw new Error('Temporal is down');
      },
      { error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`) },
      20,
    );
    await sleep(250);
    await stop();
    const callsAtStop = calls;
    expect(running).toBe(0); // stop waited for the refresh in progress
    await sleep(80);

    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBe(callsAtStop);
    expect(mostAtOnce).toBe(1);
    expect(errors).toEqual([
      'Refreshing the schedules failed; trying again at the next refresh {"error":"Temporal is down"}',
    ]);
  });
});
