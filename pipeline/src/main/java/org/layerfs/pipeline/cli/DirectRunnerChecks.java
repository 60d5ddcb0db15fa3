package org.layerfs.pipeline.cli;

import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The direct runner's checks that every element survives encoding and is never changed after it
 * is output: they encode each element again and compare, about a fifth of the CPU of a sync
 * (README, Benchmark). They catch mistakes in layerfs's own code, so the tests keep them on (the
 * build sets {@value #PROPERTY}); a run is spared them unless its command line asks for them.
 */
final class DirectRunnerChecks {
  static final String PROPERTY = "layerfs.runnerChecks";

  private DirectRunnerChecks() {}

  /** Sets the checks the command line ({@code given}: option names) left to layerfs. */
  static void apply(PipelineOptions options, List<String> given) {
    boolean on = Boolean.getBoolean(PROPERTY);
    DirectOptions direct = options.as(DirectOptions.class);
    if (!given.contains("enforceImmutability")) {
      direct.setEnforceImmutability(on);
    }
    if (!given.contains("enforceEncodability")) {
      direct.setEnforceEncodability(on);
    }
  }
}
