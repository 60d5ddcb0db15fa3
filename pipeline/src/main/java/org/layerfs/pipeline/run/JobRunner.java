package org.layerfs.pipeline.run;

import java.io.PrintStream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;

/** Runs a pipeline to its end while feeding the progress display from its metrics. */
public final class JobRunner {
  private JobRunner() {}

  /** Runs {@code pipeline}; returns its metrics once it is done. Pipeline failures are thrown. */
  public static JobMetrics run(Pipeline pipeline, Progress progress) {
    if (pipeline.getOptions().getRunner() == DirectRunner.class) {
      // Return from run() at once so the progress line can be drawn while the job works.
      pipeline.getOptions().as(DirectOptions.class).setBlockOnRun(false);
    }
    PipelineResult result = pipeline.run();
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

  /** A progress display for {@code err}, drawn in place only when attached to a terminal. */
  public static Progress progressFor(PrintStream err) {
    return new Progress(err, System.console() != null && System.getenv("CI") == null);
  }
}
