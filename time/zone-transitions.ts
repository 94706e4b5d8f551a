/**
 * Finding the instants at which a zone's UTC offset changes.
 *
 * Intl can only answer "what is the offset at instant X", so transitions are
 * found by sampling and then bisecting each change down to the second.
 */

import { offsetSecondsAt } from './zone-offset';

export interface OffsetTransition {
  /** First epoch second at which `offsetAfter` applies. */
  readonly atEpochSecond: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

export interface OffsetTimeline {
  /** Offset in effect at the start of the searched range. */
  readonly initialOffset: number;
  /** In time order. */
  readonly transitions: readonly OffsetTransition[];
}

// A change undone before the next sample would go unseen. Consecutive
// transitions of one zone in the tz database (since 1800) are at least about
// four days apart (closest: Africa/Freetown 1939, 96 hours), so sampling every
// 6 hours loses nothing and stays cheap (17 samples for a 4-day range). A chain
// of different offsets between two samples is still found in full, see
// collectTransitions.
const SAMPLE_STEP_SECONDS = 6 * 3600;

/** All offset changes in (fromEpochSecond, toEpochSecond]. */
export function offsetTimeline(zone: string, fromEpochSecond: number, toEpochSecond: number): OffsetTimeline {
  const offsetAt = (epochSecond: number): number => offsetSecondsAt(zone, epochSecond * 1000);
  const initialOffset = offsetAt(fromEpochSecond);
  const transitions: OffsetTransition[] = [];
  let sampleSecond = fromEpochSecond;
  let sampleOffset = initialOffset;
  while (sampleSecond < toEpochSecond) {
    const nextSecond = Math.min(sampleSecond + SAMPLE_STEP_SECONDS, toEpochSecond);
    const nextOffset = offsetAt(nextSecond);
    if (nextOffset !== sampleOffset) {
      collectTransitions(offsetAt, sampleSecond, sampleOffset, nextSecond, nextOffset, transitions);
    }
    sampleSecond = nextSecond;
    sampleOffset = nextOffset;
  }
  return { initialOffset, transitions };
}

/**
 * Appends, in order, the transitions between two samples with different
 * offsets. Bisection finds one change; if the offset reached there is not yet
 * the later sample's, another change follows and the search continues from it.
 */
function collectTransitions(
  offsetAt: (epochSecond: number) => number,
  lowSecond: number,
  lowOffset: number,
  highSecond: number,
  highOffset: number,
  into: OffsetTransition[],
): void {
  let from = lowSecond;
  let fromOffset = lowOffset;
  while (fromOffset !== highOffset) {
    // Invariant: offsetAt(before) === fromOffset !== offsetAt(after).
    let before = from;
    let after = highSecond;
    let afterOffset = highOffset;
    while (after - before > 1) {
      const middle = before + Math.floor((after - before) / 2);
      const middleOffset = offsetAt(middle);
      if (middleOffset === fromOffset) {
        before = middle;
      } else {
        after = middle;
        afterOffset = middleOffset;
      }
    }
    into.push({ atEpochSecond: after, offsetBefore: fromOffset, offsetAfter: afterOffset });
    from = after;
    fromOffset = afterOffset;
  }
}
