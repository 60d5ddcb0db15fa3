package org.layerfs.transforms.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.layerfs.io.blob.Streams;

/** Every failure of the source reaches the consumer; none leaves it waiting. */
@Timeout(10)
class ReadAheadInputStreamTest {
  private final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  /** A source of {@code good} bytes, then {@code failure}. */
  private static InputStream failingAfter(byte[] good, Throwable failure) {
    return new InputStream() {
      private final InputStream bytes = new ByteArrayInputStream(good);

      @Override
      public int read() throws IOException {
        return Streams.readOne(this);
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = bytes.read(b, off, len);
        if (n > 0) {
          return n;
        }
        if (failure instanceof IOException e) {
          throw e;
        }
        if (failure instanceof RuntimeException e) {
          throw e;
        }
        throw (Error) failure;
      }
    };
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(7).nextBytes(b);
    return b;
  }

  private void assertReaches(Throwable failure) {
    byte[] good = bytes(700_000);
    InputStream in = new ReadAheadInputStream(failingAfter(good, failure), executor);
    byte[] read = new byte[good.length];
    Throwable thrown = assertThrows(Throwable.class, () -> {
      int off = 0;
      for (int n; off < read.length && (n = in.read(read, off, read.length - off)) > 0; off += n) {}
      assertArrayEquals(good, read); // every good byte arrives before the failure
      in.read();
    });
    assertSame(failure, thrown);
  }

  @Test
  void anIoFailureReachesTheReader() {
    assertReaches(new IOException("disk gone"));
  }

  @Test
  void aRuntimeExceptionReachesTheReader() {
    assertReaches(new IllegalStateException("decompressor bug"));
  }

  @Test
  void anErrorReachesTheReader() {
    assertReaches(new OutOfMemoryError("no room for the window"));
  }
}
