import type { AnalyzerPoolStats } from '../engine/analyzer-pool.js';
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

/**
 * The analysis threads of this process: how many are busy, idle or not yet (or no longer) loaded,
 * frames waiting for one, and seconds spent on frames; utilisation over a window is
 * rate(livecheck_analysis_busy_seconds_total) / livecheck_analysis_threads summed over states.
 */
export function registerPoolMetrics(metrics: ServiceMetrics, stats: () => AnalyzerPoolStats): void {
  metrics.registry.gauge('livecheck_analysis_threads', 'Analysis worker threads by state (busy, idle, offline)', () => {
    const s = stats();
    return [
      [{ state: 'busy' }, s.busy],
      [{ state: 'idle' }, s.online - s.busy],
      [{ state: 'offline' }, s.size - s.online],
    ];
  });
  metrics.registry.gauge('livecheck_analysis_queued_frames', 'Frames waiting for an analysis thread', () => [[{}, stats().queued]]);
  metrics.registry.collectedCounter('livecheck_analysis_busy_seconds_total', 'Seconds analysis threads spent on frames, summed over threads', () => [[{}, stats().busyMs / 1000]]);
}
