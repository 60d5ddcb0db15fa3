package org.layerfs.pipeline.run;

import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.layerfs.transforms.layer.LayerMetrics;

/** Reads layerfs's counters from a running or finished pipeline. */
public final class JobMetrics {
  private final PipelineResult result;

  public JobMetrics(PipelineResult result) {
    this.result = result;
  }

  /** The counter's value, summed over workers; attempted values, so progress moves while running. */
  public long counter(String name) {
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
