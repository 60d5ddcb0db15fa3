package org.layerfs.io.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Closing the connections ends the HTTP client's selector thread, which held the JVM's exit 300
 * ms. {@code HttpClient.shutdownNow} is Java 21's: on an older test JVM the check runs in a child
 * JVM of the newer JDK beside it (the launcher runs layerfs on one), and with none, what Java 17
 * does is checked: the close succeeds and the thread stays until the client is collected.
 */
class RegistryConnectionsTest {
  private static final int ENDED = 0;
  private static final int STILL_RUNS = 3;

  @Test
  void closeEndsTheSelectorThread() throws Exception {
    if (Runtime.version().feature() >= 21) {
      assertEquals(ENDED, openAndClose(), "a selector thread still runs after close");
      return;
    }
    Optional<Path> newer = javaAtLeast21();
    if (newer.isPresent()) {
      assertEquals(ENDED, inChildJvm(newer.get()), "a selector thread still runs after close, on " + newer.get());
    } else {
      assertEquals(STILL_RUNS, openAndClose(), "Java 17 has no way to stop the thread; close must still succeed");
    }
  }

  /** Opens a client, closes the connections; {@link #ENDED} when its selector thread ended. */
  static int openAndClose() throws InterruptedException {
    Set<Thread> before = selectorThreads();
    RegistryConnections connections = new RegistryConnections();
    connections.http(RegistryConfig.defaults());
    Set<Thread> started = selectorThreads();
    started.removeAll(before);
    assertFalse(started.isEmpty(), "the client started no selector thread");

    connections.close();

    for (Thread t : started) {
      // Bounded so that a regression fails instead of hanging; a working shutdown ends it in milliseconds.
      t.join(Runtime.version().feature() >= 21 ? 30_000 : 200);
      if (t.isAlive()) {
        return STILL_RUNS;
      }
    }
    return ENDED;
  }

  private static int inChildJvm(Path java) throws Exception {
    Process child = new ProcessBuilder(List.of(
            java.toString(), "-cp", System.getProperty("java.class.path"), Child.class.getName()))
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes());
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    assertTrue(child.exitValue() == ENDED || child.exitValue() == STILL_RUNS, output);
    return child.exitValue();
  }

  /** A JDK of version 21 or later under /usr/lib/jvm, as the launcher looks for one. */
  private static Optional<Path> javaAtLeast21() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> homes = Files.newDirectoryStream(jvms)) {
      for (Path home : homes) {
        Path java = home.resolve("bin/java");
        Path release = home.resolve("release");
        if (Files.isExecutable(java) && Files.isRegularFile(release) && feature(Files.readString(release)) >= 21) {
          found.add(java);
        }
      }
    }
    return found.stream().sorted().findFirst();
  }

  private static int feature(String release) {
    for (String line : release.split("\n")) {
      if (line.startsWith("JAVA_VERSION=\"")) {
        String version = line.substring("JAVA_VERSION=\"".length());
        int end = 0;
        while (end < version.length() && Character.isDigit(version.charAt(end))) {
          end++;
        }
        return end == 0 ? 0 : Integer.parseInt(version.substring(0, end));
      }
    }
    return 0;
  }

  private static Set<Thread> selectorThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager"))
        .collect(Collectors.toSet());
  }

  /** The check in a JVM of its own: exits {@link #ENDED} or {@link #STILL_RUNS}. */
  public static final class Child {
    public static void main(String[] args) throws InterruptedException {
      System.exit(openAndClose());
    }
  }
}
