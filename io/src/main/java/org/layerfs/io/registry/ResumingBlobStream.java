package org.layerfs.io.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.OptionalInt;
import org.layerfs.io.blob.Streams;
import org.layerfs.io.model.Descriptor;

/**
 * A blob's bytes from a registry that survive a broken transfer: when the body fails or ends
 * before the declared size, the blob is requested again from the first byte not yet delivered, so
 * the reader sees every byte once; a body that sends nothing for the idle timeout is broken too.
 * Attempts that make no progress are bounded by the retry policy.
 */
final class ResumingBlobStream extends InputStream {
  private final RegistryCaller caller;
  private final String repository;
  private final Descriptor blob;
  private InputStream body;
  private long offset;
  private long offsetAtLastFailure = -1;
  private int failuresWithoutProgress;

  private ResumingBlobStream(RegistryCaller caller, String repository, Descriptor blob, InputStream body, long offset) {
    this.caller = caller;
    this.repository = repository;
    this.blob = blob;
    this.body = body;
    this.offset = offset;
  }

  /**
   * Starts the transfer from byte {@code offset}, so that a missing blob fails here rather than
   * at the first read.
   */
  static ResumingBlobStream open(RegistryCaller caller, String repository, Descriptor blob, long offset)
      throws IOException {
    return new ResumingBlobStream(caller, repository, blob, caller.call(new BlobPull(repository, blob, offset)), offset);
  }

  @Override
  public int read() throws IOException {
    return Streams.readOne(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (true) {
      try {
        int n = body.read(b, off, len);
        if (n < 0 && offset < blob.size()) {
          throw new EOFException("the body ended at byte " + offset + " of " + blob.size());
        }
        if (n > 0) {
          offset += n;
        }
        return n;
      } catch (InterruptedIOException e) {
        throw e;
      } catch (IOException e) {
        resume(e);
      }
    }
  }

  /**
   * Asks for the rest of the blob after {@code failure}. Failures without progress in between,
   * the re-request's own included, count against the retry policy's attempts: it is applied
   * here once, not again inside each re-request.
   */
  private void resume(IOException failure) throws IOException {
    body.close();
    String what = "registry " + caller.registry() + ", repository " + repository + ", pull blob " + blob.digest();
    while (true) {
      failuresWithoutProgress = offset > offsetAtLastFailure ? 1 : failuresWithoutProgress + 1;
      offsetAtLastFailure = offset;
      if (failuresWithoutProgress >= caller.retry().maxAttempts()) {
        throw new RegistryException(
            what + ": broken at byte " + offset + " of " + blob.size() + " " + failuresWithoutProgress
                + " times in a row: " + failure.getMessage(),
            OptionalInt.empty(), true, Optional.empty(), failure);
      }
      caller.retry().pause(failuresWithoutProgress, failure instanceof RegistryException r ? r.retryAfter() : Optional.empty());
      try {
        body = caller.once(new BlobPull(repository, blob, offset));
        return;
      } catch (RegistryException e) {
        if (!e.isTransient()) {
          throw e;
        }
        failure = e;
      }
    }
  }

  @Override
  public void close() throws IOException {
    body.close();
  }
}
