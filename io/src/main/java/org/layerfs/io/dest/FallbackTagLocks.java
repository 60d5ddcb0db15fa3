package org.layerfs.io.dest;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One lock per fallback tag of a destination, for this process. A fallback index is read, merged
 * and written back; two workers committing referrers of one subject at once would each write an
 * index without the other's entry.
 */
public final class FallbackTagLocks {
  private static final ConcurrentMap<String, Object> LOCKS = new ConcurrentHashMap<>();

  private FallbackTagLocks() {}

  /** What a locked step does. */
  public interface Step {
    void run() throws IOException;
  }

  /** Runs {@code step} while holding the lock of {@code store}'s fallback tag {@code tag}. */
  public static void locked(String store, String tag, Step step) throws IOException {
    synchronized (LOCKS.computeIfAbsent(store + ":" + tag, k -> new Object())) {
      step.run();
    }
  }
}
