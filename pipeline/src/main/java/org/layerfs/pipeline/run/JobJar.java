package org.layerfs.pipeline.run;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;

/**
 * The job jar ({@code layerfs-job.jar}, built beside the launcher's {@code layerfs.jar}): layerfs
 * and Beam without Flink, which a cluster has. Sent to a Flink cluster instead of the launcher jar,
 * which holds Flink too (67 MB instead of 166).
 */
public final class JobJar {
  static final String NAME = "layerfs-job.jar";

  private JobJar() {}

  /**
   * Stages the job jar when the job goes to a Flink cluster ({@code --flinkMaster=HOST:PORT}) and
   * neither {@code --filesToStage} says otherwise nor is layerfs run from its classes (a build).
   */
  static void stage(FlinkPipelineOptions options) {
    if (options.getFilesToStage() == null && !options.getFlinkMaster().startsWith("[")) {
      beside(JobJar.class.getProtectionDomain().getCodeSource())
          .ifPresent(jar -> options.setFilesToStage(List.of(jar.toString())));
    }
  }

  /** The job jar beside the jar {@code code} was loaded from, if there is one. */
  static Optional<Path> beside(CodeSource code) {
    try {
      Path from = Path.of(code.getLocation().toURI());
      Path jar = from.resolveSibling(NAME);
      return Files.isRegularFile(from) && Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
    } catch (URISyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
