package org.layerfs.pipeline.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.layerfs.pipeline.testing.Cli;

/**
 * Runs the built launcher jar ({@code pipeline/target/layerfs.jar}) in a JVM of its own, as
 * {@code ./layerfs} does: what it stages for a cluster is then what a user's run stages.
 */
final class LauncherJar {
  /** Where the build put the jar (see the pipeline pom's failsafe settings). */
  private static final String JAR = "layerfs.jar";

  private LauncherJar() {}

  static Path jar() {
    return Path.of(System.getProperty(JAR, "(" + JAR + " not set)"));
  }

  /** Starts {@code layerfs ARGV...}; its stdout and stderr go to {@code out} and {@code err}. */
  static Process start(List<String> argv, Path out, Path err) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString()));
    cmd.addAll(argv);
    try {
      return new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code layerfs ARGV...} to its end. */
  static Cli.Result run(Path scratch, List<String> argv) {
    try {
      Path out = Files.createTempFile(scratch, "stdout", ".txt");
      Path err = Files.createTempFile(scratch, "stderr", ".txt");
      int exit = start(argv, out, err).waitFor();
      return new Cli.Result(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
