package org.layerfs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a command's JVM ends ({@link ProcessEnd}), each case in a JVM of its own: a command that
 * succeeded with no other thread left returns from {@code main} (no {@code System.exit}); one
 * that failed, or that left a non-daemon thread running, ends the process with its status.
 */
class ProcessEndTest {
  /** The child JVM: ends with status {@code args[0]}, after starting a thread that never ends when {@code args[1]} says so. */
  public static final class Child {
    public static void main(String[] args) {
      if (args[1].equals("lingering")) {
        Thread t = new Thread(() -> {
          try {
            Thread.sleep(Long.MAX_VALUE);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        t.setDaemon(false);
        t.start();
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook ran")));
      ProcessEnd.end(Integer.parseInt(args[0]));
      System.out.println("main returned");
    }
  }

  private record Ended(int exit, String out) {}

  private static Ended child(String status, String threads, String... jvmOptions) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), status, threads));
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .start();
    // A guard against a JVM that never ends (the failure this class is about), not a timing.
    boolean ended = p.waitFor(2, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    assertTrue(ended, "the child JVM did not end");
    return new Ended(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void successWithNoOtherThreadReturnsFromMain() throws Exception {
    Ended e = child("0", "none");
    assertEquals(0, e.exit(), e.out());
    assertEquals(List.of("main returned", "hook ran"), e.out().lines().toList());
  }

  @Test
  void failureEndsTheProcessWithItsStatus() throws Exception {
    Ended e = child("1", "none");
    assertEquals(1, e.exit(), e.out());
    assertEquals(List.of("hook ran"), e.out().lines().toList());
  }

  @Test
  void successWithALingeringThreadStillEndsTheProcess() throws Exception {
    Ended e = child("0", "lingering");
    assertEquals(0, e.exit(), e.out());
    assertEquals(List.of("hook ran"), e.out().lines().toList());
  }

  @Test
  void theStatusIsWrittenWhereTheLauncherAsksBeforeTheJvmEnds(@TempDir Path tmp) throws Exception {
    for (String status : List.of("0", "1")) {
      Path file = tmp.resolve("status-" + status);
      Ended e = child(status, "none", "-Dlayerfs.statusFile=" + file);
      assertEquals(Integer.parseInt(status), e.exit(), e.out());
      assertEquals(status, Files.readString(file));
    }
  }
}
