package org.layerfs.io.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Which classes a program loads, for tests that a code path leaves some class alone: run in a
 * child JVM of the test's Java and class path, which loads only what the program needs.
 */
public final class ChildJvmClasses {
  private ChildJvmClasses() {}

  /** The class-loading log lines of {@code main}'s run naming any of {@code classes}; fails if it fails. */
  public static List<String> loadedOf(Class<?> main, List<String> classes) throws Exception {
    return loadedOf(main, List.of(), classes);
  }

  /** As {@link #loadedOf(Class, List)}, {@code main} given the arguments {@code args}. */
  public static List<String> loadedOf(Class<?> main, List<String> args, List<String> classes) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-verbose:class", "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    Process child = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes(), UTF_8);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    assertEquals(0, child.exitValue(), output);
    assertTrue(output.contains("java.lang.Object "), "class loading is logged");
    return output.lines().filter(l -> classes.stream().anyMatch(c -> l.contains(" " + c + " "))).toList();
  }
}
