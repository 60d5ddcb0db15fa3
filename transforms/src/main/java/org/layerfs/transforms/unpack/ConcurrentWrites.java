package org.layerfs.transforms.unpack;

import com.google.common.base.Throwables;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The writes of one layer's entries, done by a few threads while the caller goes on reading the
 * layer: inflating and parsing the tar is one thread's work, and creating files (open, write,
 * close, times, owner, mode: one system call after another) is spread over the others. Each
 * entry is written once, whole, by one thread, so the tree ends the same whatever the order.
 * The content held for writes not yet done is bounded; the first failure is thrown to the caller
 * at its next call or at {@link #finish}, and no write starts after it.
 */
final class ConcurrentWrites implements AutoCloseable {
  /** Files up to this size are handed over in memory; larger ones the caller writes itself. */
  static final int MAX_HANDED_OVER = 1 << 20;
  /** Content handed over and not yet written, at most: a few files of the largest size. */
  private static final int MAX_BYTES_HELD = 16 << 20;

  private final SafeTree tree;
  private final ExecutorService writers;
  private final Semaphore held = new Semaphore(MAX_BYTES_HELD);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  /** Writes into {@code tree} on one thread per core. */
  ConcurrentWrites(SafeTree tree) {
    this.tree = tree;
    this.writers =
        Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(),
            r -> {
              Thread t = new Thread(r, "layerfs-unpack-writer");
              t.setDaemon(true);
              return t;
            });
  }

  /** Writes {@code entry} (content: a file's bytes, empty for anything else) on a writer thread. */
  void write(FileEntry entry, byte[] content) throws IOException {
    throwFailure();
    int weight = Math.max(1, content.length);
    try {
      held.acquire(weight);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing " + entry.path());
    }
    writers.execute(() -> {
      try {
        if (failure.get() == null) {
          tree.write(entry, new ByteArrayInputStream(content));
        }
      } catch (Throwable t) { // every failure, checked or not, must reach the caller
        failure.compareAndSet(null, t);
      } finally {
        held.release(weight);
      }
    });
  }

  /** Waits for every write; throws the first failure. */
  void finish() throws IOException {
    writers.shutdown();
    awaitWriters();
    throwFailure();
  }

  /** Stops the writers (after a failure of the caller's) and waits for those under way. */
  @Override
  public void close() throws IOException {
    if (!writers.isTerminated()) {
      writers.shutdownNow();
      awaitWriters();
    }
  }

  private void awaitWriters() throws InterruptedIOException {
    try {
      while (!writers.awaitTermination(1, TimeUnit.MINUTES)) {
        // a write of a large file on a slow disk: keep waiting, nothing may outlive the layer
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the writers");
    }
  }

  private void throwFailure() throws IOException {
    Throwable t = failure.get();
    if (t != null) {
      Throwables.throwIfInstanceOf(t, IOException.class);
      Throwables.throwIfUnchecked(t);
      throw new IOException(t);
    }
  }
}
