import { Context } from '@temporalio/activity';
import type { RunContext } from '../../activities/run-types';

/** An activity that holds the run open until released or cancelled, heartbeating so cancellation arrives. */
export function holdingActivity() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const activity = async (run: RunContext) => {
    const ctx = Context.current();
    started();
    let done = false;
    void released.then(() => (done = true));
    while (!done) {
      ctx.heartbeat();
      await Promise.race([ctx.sleep(100), ctx.cancelled]);
    }
    return { success: true as const, execution_time: run.logicalTime, tasks_found: 0, tasks_rescheduled: 0 };
  };
  return { activity, release, running };
}
