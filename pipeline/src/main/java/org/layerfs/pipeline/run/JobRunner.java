package org.layerfs.pipeline.run;

import java.io.PrintStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;

/** Runs a pipeline to its end while feeding the progress display from its metrics. */
public final class JobRunner {
  private JobRunner() {}

  /**
   * Runs {@code pipeline}; returns its metrics once it is done. Pipeline failures are thrown.
   * The Flink runner (attached, as layerfs runs it) returns from {@code run()} only when the job
   * has ended: on a cluster, {@link FlinkProgress} draws the progress meanwhile; an embedded Flink's
   * is drawn once, at the end, from the metrics its result carries.
   */
  public static JobMetrics run(Pipeline pipeline, Progress progress) {
    if (pipeline.getOptions().getRunner() == DirectRunner.class) {
      // Return from run() at once so the progress line can be drawn while the job works.
      pipeline.getOptions().as(DirectOptions.class).setBlockOnRun(false);
    }
    PipelineResult result;
    try (FlinkProgress live = pipeline.getOptions().getRunner() == FlinkRunner.class
        ? onFlink(pipeline.getOptions().as(FlinkPipelineOptions.class), progress)
        : FlinkProgress.none()) {
      result = pipeline.run();
    }
    JobMetrics metrics = new JobMetrics(result);
    PipelineResult.State state;
    do {
      state = result.waitUntilFinish(Duration.millis(500));
      progress.update(metrics);
    } while (state == null || !state.isTerminal());
    progress.finish(metrics);
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the pipeline ended " + state);
    }
    return metrics;
  }

  private static FlinkProgress onFlink(FlinkPipelineOptions flink, Progress progress) {
    // layerfs's elements are immutable values and its DoFns never change their inputs, so
    // Flink need not copy each element between chained operators.
    flink.setFasterCopy(true);
    JobJar.stage(flink);
    return FlinkProgress.watch(flink, progress);
  }

  /** A progress display for {@code err}, drawn in place only when attached to a terminal. */
  public static Progress progressFor(PrintStream err) {
    return new Progress(err, System.console() != null && System.getenv("CI") == null);
  }
}
