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
   * Sends the job jar when the job goes to a Flink cluster ({@code --flinkMaster=HOST:PORT}) and
   * neither {@code --filesToStage} says otherwise nor is layerfs run from its classes (a build); or,
   * with {@code --flinkJobJarDir=DIR}, puts it in DIR once and submits through the returned
   * submission (open until closed), which sends nothing.
   */
  static Optional<ClasspathSubmission> stage(FlinkPipelineOptions options) {
    if (options.getFlinkMaster().startsWith("[")) {
      return Optional.empty();
    }
    Optional<Path> jar = beside(JobJar.class.getProtectionDomain().getCodeSource());
    String dir = options.as(JobJarOptions.class).getFlinkJobJarDir();
    if (dir != null) {
      Path job = jar.orElseThrow(() -> new IllegalArgumentException(
          "--flinkJobJarDir needs " + NAME + " beside the launcher jar, where Maven builds it (pipeline/target)"));
      return Optional.of(ClasspathSubmission.open(options, SharedJobJar.place(job, Path.of(dir).toAbsolutePath())));
    }
    if (options.getFilesToStage() == null) {
      jar.ifPresent(j -> options.setFilesToStage(List.of(j.toString())));
    }
    return Optional.empty();
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
