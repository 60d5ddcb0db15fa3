package org.layerfs.pipeline.run;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.runners.flink.FlinkPipelineOptions;

/**
 * Where a Flink cluster reads the job jar from, instead of being sent it with every job; with the
 * Flink runner's options, registered with Beam in one go.
 */
public interface JobJarOptions extends FlinkPipelineOptions {
  @Description("A directory every Flink node reads at the same path (shared storage): the launcher "
      + "puts the job jar there once, named by its content, and the cluster loads it from there "
      + "(Flink's pipeline.classpaths) instead of being sent it with each job.")
  String getFlinkJobJarDir();

  void setFlinkJobJarDir(String dir);
}
