package org.layerfs.io.dest;

import com.google.common.util.concurrent.Striped;
import java.io.IOException;
import java.util.concurrent.locks.Lock;

/**
 * Locks the fallback tags of destinations, for this process. A fallback index is read, merged and
 * written back; two workers committing referrers of one subject at once would each write an
 * index without the other's entry. A tag maps to one of a fixed number of locks, so a long run
 * over many subjects keeps no more than that; two tags sharing a lock only wait for each other.
 */
public final class FallbackTagLocks {
  /** Enough that unrelated subjects seldom share a lock; a worker holds at most one at a time. */
  private static final int STRIPES = 256;
  private static final Striped<Lock> LOCKS = Striped.lock(STRIPES);

  private FallbackTagLocks() {}

  /** What a locked step does. */
  public interface Step {
    void run() throws IOException;
  }

  /** How many locks are kept, whatever the number of tags locked. */
  static int locksKept() {
    return LOCKS.size();
  }

  /** Runs {@code step} while holding the lock of {@code store}'s fallback tag {@code tag}. */
  public static void locked(String store, String tag, Step step) throws IOException {
    Lock lock = LOCKS.get(store + ":" + tag);
    lock.lock();
    try {
      step.run();
    } finally {
      lock.unlock();
    }
  }
}
