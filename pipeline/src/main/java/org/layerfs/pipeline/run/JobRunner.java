package org.layerfs.pipeline.run;

import java.io.PrintStream;
import java.util.Optional;
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
    PipelineResult result = pipeline.getOptions().getRunner() == FlinkRunner.class
        ? runOnFlink(pipeline, progress)
        : pipeline.run();
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

  private static PipelineResult runOnFlink(Pipeline pipeline, Progress progress) {
    FlinkPipelineOptions flink = pipeline.getOptions().as(FlinkPipelineOptions.class);
    // layerfs's elements are immutable values and its DoFns never change their inputs, so
    // Flink need not copy each element between chained operators.
    flink.setFasterCopy(true);
    Optional<FlinkProgress> live = FlinkProgress.watch(flink, progress);
    Optional<ClasspathSubmission> submission = Optional.empty();
    try {
      submission = JobJar.stage(flink);
      return pipeline.run();
    } finally {
      submission.ifPresent(ClasspathSubmission::close);
      live.ifPresent(FlinkProgress::close);
    }
  }

  /** A progress display for {@code err}, drawn in place only when attached to a terminal. */
  public static Progress progressFor(PrintStream err) {
    return new Progress(err, System.console() != null && System.getenv("CI") == null);
  }
}
