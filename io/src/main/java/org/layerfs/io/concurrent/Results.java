package org.layerfs.io.concurrent;

import com.google.common.base.Throwables;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** The result of work handed to another thread, its failure thrown as the work threw it. */
public final class Results {
  private Results() {}

  /**
   * Waits for {@code work}; an {@link IOException} or unchecked failure of the work is thrown
   * unchanged, any other named after {@code what}; an interrupt is an {@link InterruptedIOException}.
   */
  public static <T> T get(Future<T> work, String what) throws IOException {
    try {
      return work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while " + what);
    } catch (ExecutionException e) {
      Throwables.throwIfInstanceOf(e.getCause(), IOException.class);
      Throwables.throwIfUnchecked(e.getCause());
      throw new IOException(what + ": " + e.getCause(), e.getCause());
    }
  }
}
