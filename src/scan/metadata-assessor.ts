// The metadata detectors (src/detect) as `rampart scan` uses them: one score per definition, judged against the
// names of every other tool the scan saw.
import { scanToolMetadata } from '../detect/metadata/index.ts';
import { METADATA_THRESHOLD, riskScore } from '../detect/score.ts';
import type { MetadataAssessor } from './assess.ts';

/** The shipped metadata detectors and their default threshold. */
export function metadataAssessor(): MetadataAssessor {
  return {
    threshold: METADATA_THRESHOLD,
    assess: (definition, otherNames) => {
      const findings = scanToolMetadata(definition, { otherTools: otherNames });
      return { score: riskScore(findings), findings };
    },
  };
}
