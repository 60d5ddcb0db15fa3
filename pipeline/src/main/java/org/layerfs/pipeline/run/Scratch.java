package org.layerfs.pipeline.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A new directory for what a job's workers write and the launcher reads back after the run
 * (image outcomes, merged views): under Beam's {@code --tempLocation} when given, otherwise under
 * the system's temporary directory. On a cluster the workers are other machines, so
 * {@code --tempLocation} must then be storage they and the launcher all see.
 */
public final class Scratch {
  private Scratch() {}

  public static Path create(PipelineOptions options, String prefix) throws IOException {
    String temp = options.getTempLocation();
    if (temp == null || temp.isEmpty()) {
      return Files.createTempDirectory(prefix);
    }
    Path base = Files.createDirectories(Path.of(temp).toAbsolutePath());
    return Files.createTempDirectory(base, prefix);
  }
}
