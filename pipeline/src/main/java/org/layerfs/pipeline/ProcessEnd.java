package org.layerfs.pipeline;

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
    if (status != 0 || otherThreadHoldsTheJvm()) {
      System.exit(status);
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
