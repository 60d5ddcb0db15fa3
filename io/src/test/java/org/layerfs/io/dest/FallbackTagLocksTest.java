package org.layerfs.io.dest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fallback-tag locks of a long run stay few, and a failed step lets its lock go. */
@Timeout(60) // a lock never released hangs: a failure, not a stuck build
class FallbackTagLocksTest {
  @Test
  void lockingManyTagsKeepsABoundedNumberOfLocks() throws IOException {
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 10_000; i++) {
      FallbackTagLocks.locked("docker://registry.example/repo", "sha256-" + i, ran::incrementAndGet);
    }
    assertEquals(10_000, ran.get());
    assertTrue(FallbackTagLocks.locksKept() <= 1024, "locks kept: " + FallbackTagLocks.locksKept());
  }

  @Test
  void aStepThatFailsReleasesItsLockForTheNextThread() throws Exception {
    IOException e = assertThrows(IOException.class, () -> FallbackTagLocks.locked("oci:/x", "sha256-a", () -> {
      throw new IOException("step failed");
    }));
    assertEquals("step failed", e.getMessage());
    // Another thread takes the same lock: it hangs (and the timeout fails the test) if the lock was kept.
    CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
      try {
        FallbackTagLocks.locked("oci:/x", "sha256-a", () -> {});
      } catch (IOException ex) {
        throw new IllegalStateException(ex);
      }
    });
    other.get();
  }
}
