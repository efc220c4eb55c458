// Turns the per-phase durations of a RequestEvent back into intervals on the clock, for spans. The pipeline
// measures durations only (it must stay cheap and knows nothing of tracing); its phases run back to back with
// only synchronous bookkeeping between them, so laying them end to end in PHASES order from a known instant
// places each within microseconds of where it really ran.
//
// The known instant is the request's start, or better, when one phase's real start was seen (the upstream phase
// starts when Rampart takes the headers to send upstream): phases before it are then laid backwards from it and
// the rest forwards, so no error accumulates across a long upstream call.

import type { Phase, RequestEvent } from '../guards/pipeline.ts';
import { PHASES } from '../guards/pipeline.ts';

export interface PhaseInterval {
  phase: Phase;
  /** Milliseconds on the clock of `startMs`. */
  startMs: number;
  endMs: number;
}

/** A phase whose real start is known. */
export interface PhaseAnchor {
  phase: Phase;
  startMs: number;
}

/** The measured phases of `timings` as intervals (phases without a timing are skipped). */
export function phaseTimeline(
  timings: RequestEvent['timings'],
  startMs: number,
  anchor?: PhaseAnchor,
): PhaseInterval[] {
  let cursor = startMs;
  if (anchor) {
    cursor = anchor.startMs;
    for (const phase of PHASES) {
      if (phase === anchor.phase) break;
      cursor -= duration(timings[phase]);
    }
  }
  const out: PhaseInterval[] = [];
  for (const phase of PHASES) {
    const ms = timings[phase];
    if (ms === undefined) continue;
    const begin = cursor;
    cursor += duration(ms);
    out.push({ phase, startMs: begin, endMs: cursor });
  }
  return out;
}

function duration(ms: number | undefined): number {
  return ms !== undefined && ms > 0 && Number.isFinite(ms) ? ms : 0;
}
