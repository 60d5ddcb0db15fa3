package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Flow;
import org.layerfs.io.blob.BlobOpener;
import org.layerfs.io.model.Descriptor;

/**
 * The body of a large blob's PATCH: its bytes from {@code from} to the end, read from the source
 * as the connection takes them, into arrays reused once the connection has taken their bytes
 * ({@link SliceArrays}). Every byte read goes to the {@link UploadVerifier}, and
 * the blob is verified before its last slice is published, so a wrong blob's body fails and the
 * registry never holds it whole. Each subscription (the client subscribes again to resend, after
 * an authentication challenge) opens the source again at {@code from}. A failure of the source
 * ends the body and is kept, for the upload to report it rather than the client's wrapping of it.
 * For {@link HttpTransport}'s watchdog the body tells how long the connection has taken no data.
 */
final class StreamedBody implements HttpRequest.BodyPublisher {
  /** Bytes per slice: fewer, larger socket writes; under G1's humongous size for small heaps. */
  private static final int SLICE = 256 << 10;

  private final BlobOpener source;
  private final Descriptor blob;
  private final UploadVerifier verifier;
  private final long from;
  /** When the connection last asked for data, or the source last delivered some ({@link System#nanoTime}). */
  private volatile long lastProgress = System.nanoTime();
  /** A read from the source is in progress: a slow source is not a stalled registry. */
  private volatile boolean reading;
  private volatile boolean sentAll;
  private volatile Exception sourceFailure;

  StreamedBody(BlobOpener source, Descriptor blob, UploadVerifier verifier, long from) {
    this.source = source;
    this.blob = blob;
    this.verifier = verifier;
    this.from = from;
  }

  @Override
  public long contentLength() {
    return blob.size() - from;
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    subscriber.onSubscribe(new Slices(subscriber));
  }

  /** Throws what ended the body from the source's side (unreadable, or not the blob), if anything did. */
  void rethrowSourceFailure() throws IOException {
    Exception e = sourceFailure;
    if (e instanceof IOException io) {
      throw io;
    }
    if (e instanceof RuntimeException r) {
      throw r;
    }
  }

  /**
   * Why the request counts as stalled now, if it does: the connection took no data for {@code
   * idle} while bytes remained, or the registry has not answered {@code answer} after the last.
   */
  Optional<String> stall(Duration idle, Duration answer) {
    if (reading) {
      return Optional.empty();
    }
    long quiet = System.nanoTime() - lastProgress;
    if (!sentAll && quiet > idle.toNanos()) {
      return Optional.of("the registry took no data for " + IdleTimeoutBody.describe(idle) + " (idle timeout)");
    }
    if (sentAll && quiet > answer.toNanos()) {
      return Optional.of("no answer " + IdleTimeoutBody.describe(answer) + " after the last byte");
    }
    return Optional.empty();
  }

  /** One subscriber's pass from {@code from} to the end. */
  private final class Slices extends SliceSubscription {
    private final SliceArrays arrays = new SliceArrays();
    private long position = from;
    private InputStream in;

    Slices(Flow.Subscriber<? super ByteBuffer> subscriber) {
      super(subscriber);
    }

    @Override
    void demanded() {
      lastProgress = System.nanoTime();
    }

    @Override
    boolean hasMore() {
      return position < blob.size();
    }

    @Override
    void ended() {
      sentAll = true;
    }

    @Override
    void failed(Exception e) {
      sourceFailure = e;
    }

    /** The source is closed by the thread that reads it, never in the middle of a read. */
    @Override
    void release() {
      try {
        close();
      } catch (IOException e) {
        // The body has ended: the source is not read again.
      }
    }

    /**
     * The next slice, read from the source. The last is verified before it is published, so the
     * registry never gets a wrong blob whole; the source's end before the blob's fails too.
     */
    @Override
    ByteBuffer next() throws IOException {
      if (in == null) {
        in = read(() -> source.open(from));
      }
      int length = (int) Math.min(SLICE, blob.size() - position);
      byte[] bytes = arrays.take(length);
      int n = read(() -> in.readNBytes(bytes, 0, length));
      verifier.read(position, bytes, n);
      position += n;
      if (n < length) {
        verifier.verify(false);
      } else if (position == blob.size()) {
        verifier.verify(read(in::read) >= 0);
      }
      return arrays.publish(bytes, n);
    }

    private <T> T read(SourceRead<T> read) throws IOException {
      reading = true;
      try {
        return read.run();
      } finally {
        reading = false;
        lastProgress = System.nanoTime();
      }
    }

    private void close() throws IOException {
      if (in != null) {
        InputStream open = in;
        in = null;
        open.close();
      }
    }
  }

  /** A read from the source, timed apart from the connection's progress. */
  private interface SourceRead<T> {
    T run() throws IOException;
  }
}
