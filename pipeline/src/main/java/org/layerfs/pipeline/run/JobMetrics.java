package org.layerfs.pipeline.run;

import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.layerfs.transforms.layer.LayerMetrics;

/** Reads layerfs's counters from a running or finished pipeline, or from a job that needed none. */
public final class JobMetrics {
  private final PipelineResult result;
  private final Map<String, Long> counted;

  public JobMetrics(PipelineResult result) {
    this.result = result;
    this.counted = null;
  }

  private JobMetrics(Map<String, Long> counted) {
    this.result = null;
    this.counted = Map.copyOf(counted);
  }

  /** The counters of a job done without a pipeline; those not in {@code counted} are 0. */
  public static JobMetrics of(Map<String, Long> counted) {
    return new JobMetrics(counted);
  }

  /** The counter's value, summed over workers; attempted values, so progress moves while running. */
  public long counter(String name) {
    if (counted != null) {
      return counted.getOrDefault(name, 0L);
    }
    try {
      MetricQueryResults q =
          result.metrics().queryMetrics(
              MetricsFilter.builder().addNameFilter(MetricNameFilter.named(LayerMetrics.NAMESPACE, name)).build());
      long sum = 0;
      for (MetricResult<Long> c : q.getCounters()) {
        Long v = c.getAttempted();
        sum += v == null ? 0 : v;
      }
      return sum;
    } catch (UnsupportedOperationException | IllegalStateException e) {
      return 0; // a runner that cannot report metrics yet
    }
  }
}
