package org.layerfs.transforms.layer;

import com.google.common.base.Throwables;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on another thread, a few chunks ahead of its consumer, so that the work
 * behind the source (reading, digesting and decompressing a blob) overlaps the consumer's (the
 * diffID digest, the tar scan, hashing every file). Memory is bounded: {@link #DEPTH} chunks.
 * Every failure of the source, checked or not, reaches the consumer unchanged, at the point it
 * would have: a reader thread that ended silently would leave the consumer waiting forever.
 */
public final class ReadAheadInputStream extends InputStream {
  private static final int CHUNK = 256 << 10;
  private static final int DEPTH = 8;

  /** A filled buffer, the end of the source, or the source's failure. */
  private record Chunk(byte[] bytes, int length, Throwable failure) {
    static final Chunk END = new Chunk(new byte[0], -1, null);
  }

  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(DEPTH + 1);
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH);
  private final Future<?> reader;
  private volatile boolean stopped;
  private Chunk current;
  private int position;

  /** Reads {@code source} ahead on a thread of {@code executor}, which must have one free for it. */
  public ReadAheadInputStream(InputStream source, ExecutorService executor) {
    for (int i = 0; i < DEPTH; i++) {
      free.add(new byte[CHUNK]);
    }
    reader = executor.submit(() -> fill(source));
  }

  private void fill(InputStream source) {
    try {
      while (!stopped) {
        byte[] buffer = free.poll(100, TimeUnit.MILLISECONDS);
        if (buffer == null) {
          continue; // the consumer is behind, or gone: look at stopped again
        }
        int n = source.readNBytes(buffer, 0, buffer.length);
        if (n > 0) {
          full.put(new Chunk(buffer, n, null));
        }
        if (n < buffer.length) {
          full.put(Chunk.END);
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      full.offer(new Chunk(new byte[0], -1, new InterruptedIOException("the read-ahead thread was interrupted")));
    } catch (IOException | RuntimeException | Error e) {
      // Room is certain: at most DEPTH chunks are queued, and the queue holds DEPTH + 1.
      full.offer(new Chunk(new byte[0], -1, e));
    }
  }

  /** The next chunk with unread bytes, or END; rethrows the source's failure. */
  private Chunk chunk() throws IOException {
    if (current != null && (current == Chunk.END || position < current.length())) {
      return current;
    }
    if (current != null) {
      free.add(current.bytes());
    }
    try {
      current = full.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading ahead");
    }
    position = 0;
    if (current.failure() != null) {
      Throwable failure = current.failure();
      current = Chunk.END;
      Throwables.throwIfInstanceOf(failure, IOException.class);
      Throwables.throwIfUnchecked(failure);
      throw new AssertionError("fill() passes on only I/O and unchecked failures", failure);
    }
    return current;
  }

  @Override
  public int read() throws IOException {
    Chunk c = chunk();
    return c == Chunk.END ? -1 : c.bytes()[position++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    Chunk c = chunk();
    if (c == Chunk.END) {
      return -1;
    }
    int n = Math.min(len, c.length() - position);
    System.arraycopy(c.bytes(), position, b, off, n);
    position += n;
    return n;
  }

  /** Stops the reader and waits for it, so the source may be used again by the caller. */
  @Override
  public void close() throws IOException {
    stopped = true;
    full.clear(); // unblocks a reader waiting to put
    try {
      reader.get();
    } catch (ExecutionException e) {
      throw new IOException("read-ahead failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping the read-ahead");
    }
  }
}
