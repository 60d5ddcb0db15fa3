package org.layerfs.io.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The command-line tools the oracle tests compare with (umoci, skopeo, docker-registry, tar,
 * zstd). A missing one skips the test on a developer's machine; under {@code CI=true} it fails
 * it, so a CI run never passes by skipping ({@code .ci/run} installs them all).
 */
public final class Tools {
  private Tools() {}

  /** The tool's path on {@code $PATH}; when missing, skips the test, or fails it under CI. */
  public static Path require(String tool) {
    return require(tool, System.getenv());
  }

  static Path require(String tool, Map<String, String> env) {
    Optional<Path> found = find(tool, env.getOrDefault("PATH", ""));
    if (found.isEmpty()) {
      String why = tool + " is not installed (.ci/run installs it)";
      if ("true".equals(env.get("CI"))) {
        fail(why + "; under CI=true a missing tool fails the test instead of skipping it");
      }
      assumeTrue(false, why);
    }
    return found.get();
  }

  private static Optional<Path> find(String tool, String path) {
    return Stream.of(path.split(File.pathSeparator))
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, tool))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
