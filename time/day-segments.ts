/**
 * The 'compatible' resolution rule for one local date, as a few linear pieces.
 *
 * Pure arithmetic on an offset timeline (no Intl), so that the rule can be
 * checked against synthetic timelines too, including several transitions in
 * one day, which real zones have never had.
 */

import { SECONDS_PER_DAY } from './local-date';
import { OffsetTimeline } from './zone-transitions';

/**
 * Seconds of day s in [fromSecond, toSecond) resolve to
 * `utcMidnightMs(date) + (s - offsetSeconds) * 1000`, and the zone's clock then
 * shows s + wallShiftSeconds (nonzero only inside a gap).
 */
export interface DaySegment {
  readonly fromSecond: number;
  readonly toSecond: number;
  readonly offsetSeconds: number;
  readonly wallShiftSeconds: number;
}

/** A transition measured in seconds from the date's UTC midnight. */
interface Change {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

interface Resolution {
  readonly offsetSeconds: number;
  readonly wallShiftSeconds: number;
}

/**
 * Segments covering [0, 86400) in order, adjacent ones always differing.
 * `timeline` must hold every transition that can affect the date: those
 * within about a day of `midnightEpochSecond` (the date's UTC midnight).
 */
export function segmentsFromTimeline(timeline: OffsetTimeline, midnightEpochSecond: number): DaySegment[] {
  const changes: Change[] = timeline.transitions.map((t) => ({
    at: t.atEpochSecond - midnightEpochSecond,
    before: t.offsetBefore,
    after: t.offsetAfter,
  }));
  const bounds = segmentBounds(timeline.initialOffset, changes);
  const segments: DaySegment[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const fromSecond = bounds[i] as number;
    const toSecond = bounds[i + 1] as number;
    const { offsetSeconds, wallShiftSeconds } = resolveLocalSecond(fromSecond, timeline.initialOffset, changes);
    const previous = segments[segments.length - 1];
    if (previous && previous.offsetSeconds === offsetSeconds && previous.wallShiftSeconds === wallShiftSeconds) {
      segments[segments.length - 1] = { ...previous, toSecond };
    } else {
      segments.push({ fromSecond, toSecond, offsetSeconds, wallShiftSeconds });
    }
  }
  return segments;
}

/**
 * Every local second where the resolution can change. All edges of folds and
 * gaps are "transition instant + some offset", and so are the points where a
 * forwarded gap time crosses a later transition; between two consecutive
 * bounds the resolution is one offset and one shift, so evaluating it once per
 * stretch is exact.
 */
function segmentBounds(initialOffset: number, changes: readonly Change[]): number[] {
  const offsets = [initialOffset, ...changes.map((c) => c.after)];
  const inner = changes.flatMap((c) => offsets.map((offset) => c.at + offset));
  const bounds = [0, SECONDS_PER_DAY, ...inner.filter((s) => s > 0 && s < SECONDS_PER_DAY)];
  return [...new Set(bounds)].sort((a, b) => a - b);
}

/**
 * The rule for one local second L from first principles: the earliest instant
 * whose wall clock shows L; if there is none, L is in a gap and takes the
 * offset in force before that gap (the first such gap, should gaps overlap).
 */
function resolveLocalSecond(local: number, initialOffset: number, changes: readonly Change[]): Resolution {
  // Stretches of constant offset in time order; the first whose wall-clock
  // range contains L holds the earliest instant showing L.
  let stretchStart = -Infinity;
  let offset = initialOffset;
  for (let i = 0; i <= changes.length; i++) {
    const next = changes[i];
    const stretchEnd = next ? next.at : Infinity;
    if (stretchStart + offset <= local && local < stretchEnd + offset) {
      return { offsetSeconds: offset, wallShiftSeconds: 0 };
    }
    if (next) {
      stretchStart = next.at;
      offset = next.after;
    }
  }
  for (const change of changes) {
    if (change.at + change.before <= local && local < change.at + change.after) {
      const instant = local - change.before;
      return {
        offsetSeconds: change.before,
        wallShiftSeconds: offsetAt(instant, initialOffset, changes) - change.before,
      };
    }
  }
  throw new Error(`Local second ${local} is neither shown by the clock nor in a gap`);
}

function offsetAt(instant: number, initialOffset: number, changes: readonly Change[]): number {
  let offset = initialOffset;
  for (const change of changes) {
    if (change.at > instant) break;
    offset = change.after;
  }
  return offset;
}
