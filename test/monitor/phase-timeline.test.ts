// Phase intervals rebuilt from measured durations: laid end to end in pipeline order, from the request start or
// around a phase whose real start was seen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phaseTimeline } from '../../src/monitor/phase-timeline.ts';

describe('phaseTimeline', () => {
  const timings = { authenticate: 1, route: 2, request: 3, upstream: 10, response: 4, totalMs: 21 };

  it('lays measured phases end to end from the start, in pipeline order', () => {
    assert.deepEqual(phaseTimeline({ response: 4, route: 2, authenticate: 1, totalMs: 8 }, 100), [
      { phase: 'authenticate', startMs: 100, endMs: 101 },
      { phase: 'route', startMs: 101, endMs: 103 },
      { phase: 'response', startMs: 103, endMs: 107 },
    ]);
  });

  it('places phases before an anchor backwards from it and the rest forwards', () => {
    assert.deepEqual(phaseTimeline(timings, 0, { phase: 'upstream', startMs: 50 }), [
      { phase: 'authenticate', startMs: 44, endMs: 45 },
      { phase: 'route', startMs: 45, endMs: 47 },
      { phase: 'request', startMs: 47, endMs: 50 },
      { phase: 'upstream', startMs: 50, endMs: 60 },
      { phase: 'response', startMs: 60, endMs: 64 },
    ]);
  });

  it('keeps the anchor when the anchored phase has no timing (it failed)', () => {
    assert.deepEqual(
      phaseTimeline({ route: 2, request: 3, totalMs: 9 }, 0, { phase: 'upstream', startMs: 20 }),
      [
        { phase: 'route', startMs: 15, endMs: 17 },
        { phase: 'request', startMs: 17, endMs: 20 },
      ],
    );
  });

  it('treats negative or non-finite durations as zero-length', () => {
    assert.deepEqual(phaseTimeline({ route: -1, request: Number.NaN, totalMs: 0 }, 5), [
      { phase: 'route', startMs: 5, endMs: 5 },
      { phase: 'request', startMs: 5, endMs: 5 },
    ]);
  });
});
