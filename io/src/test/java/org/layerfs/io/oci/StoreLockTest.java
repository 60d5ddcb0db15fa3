package org.layerfs.io.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store lock against another process: a child JVM that tries to take it. */
class StoreLockTest {
  private static final int TOOK_IT = 0;
  private static final int REFUSED = 3;

  @TempDir Path dir;

  @Test
  void aRefusedSecondRequestOfTheSameProcessKeepsTheStoreLockedForOthers() throws Exception {
    Path layout = dir.resolve("layout");
    try (StoreLock held = StoreLock.layout(layout)) {
      IOException again = assertThrows(IOException.class, () -> StoreLock.layout(layout));
      assertTrue(again.getMessage().contains("pid " + ProcessHandle.current().pid()), again.getMessage());
      // The same store by another path: still one lock.
      Files.createSymbolicLink(dir.resolve("alias"), layout);
      assertThrows(IOException.class, () -> StoreLock.layout(dir.resolve("alias")));
      assertEquals(REFUSED, lockInChildProcess(layout));
    }
    assertEquals(TOOK_IT, lockInChildProcess(layout));
    try (StoreLock again = StoreLock.layout(layout)) {
      assertEquals(REFUSED, lockInChildProcess(layout));
    }
  }

  @Test
  void anArchiveLockIsHeldTheSameWay() throws Exception {
    Path archive = dir.resolve("image.tar");
    try (StoreLock held = StoreLock.archive(archive)) {
      assertThrows(IOException.class, () -> StoreLock.archive(archive));
      assertEquals(REFUSED, lockInChildProcess(archive, "archive"));
    }
    assertEquals(TOOK_IT, lockInChildProcess(archive, "archive"));
  }

  private static int lockInChildProcess(Path store) throws Exception {
    return lockInChildProcess(store, "layout");
  }

  private static int lockInChildProcess(Path store, String kind) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(List.of(
            java, "-cp", System.getProperty("java.class.path"), ChildLocker.class.getName(), kind, store.toString()))
        .redirectErrorStream(true)
        .start();
    String output = new String(child.getInputStream().readAllBytes());
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    int exit = child.exitValue();
    assertTrue(exit == TOOK_IT || exit == REFUSED, output);
    return exit;
  }

  /** The other process: exits 0 when it got the lock, 3 when it was refused. */
  public static final class ChildLocker {
    public static void main(String[] args) {
      Path store = Path.of(args[1]);
      try (StoreLock lock = args[0].equals("archive") ? StoreLock.archive(store) : StoreLock.layout(store)) {
        System.exit(TOOK_IT);
      } catch (IOException e) {
        System.out.println(e.getMessage());
        System.exit(REFUSED);
      }
    }
  }
}
