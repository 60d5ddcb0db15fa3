package org.layerfs.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the command's JVM ends. On Java 21 and later {@code System.exit} first asks for a
 * {@code System.Logger} (to log the exit at DEBUG), and finding the logging back end scans the
 * class path for a service file: it opens the runnable jar and reads its 71 000 entries, 0.2
 * CPU s, more than a sync with nothing to do spends on its work. A command that succeeded with
 * no other thread left to wait for lets {@code main} return instead: the JVM then ends as it does
 * after {@code exit(0)}, shutdown hooks included, without the logger.
 */
final class ProcessEnd {
  private ProcessEnd() {}

  /** Ends the process with {@code status}, or returns when {@code main} may simply return. */
  static void end(int status) {
    recordStatus(status);
    if (status != 0 || otherThreadHoldsTheJvm()) {
      System.exit(status);
    }
  }

  /**
   * Writes {@code status} to the file the launcher names in {@code layerfs.statusFile}, if any:
   * the JVM may yet crash after the command (dumping a class archive at exit), and the launcher
   * then tells the command's status from the crash's.
   */
  static void recordStatus(int status) {
    String file = System.getProperty("layerfs.statusFile");
    if (file == null) {
      return;
    }
    try {
      Files.writeString(Path.of(file), Integer.toString(status));
    } catch (IOException e) {
      System.err.println("layerfs: cannot write the exit status to " + file + ": " + e.getMessage());
    }
  }

  /** Whether a live non-daemon thread other than this one would keep the JVM running. */
  static boolean otherThreadHoldsTheJvm() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() + 16];
    int count = root.enumerate(threads, true);
    if (count == threads.length) {
      return true; // more threads than room: do not guess
    }
    for (int i = 0; i < count; i++) {
      Thread t = threads[i];
      if (t != Thread.currentThread() && t.isAlive() && !t.isDaemon()) {
        return true;
      }
    }
    return false;
  }
}
