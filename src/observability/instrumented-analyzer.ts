import type { FrameAnalyzer } from '../engine/types.js';
import type { ServiceMetrics } from './metrics.js';

/** Records each frame's model inference time. */
export function instrumentAnalyzer(analyzer: FrameAnalyzer, metrics: ServiceMetrics): FrameAnalyzer {
  return {
    async analyze(jpeg) {
      const observation = await analyzer.analyze(jpeg);
      metrics.frameInference.observe(observation.inferenceMs / 1000);
      return observation;
    },
    close: () => analyzer.close(),
  };
}
