package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import org.layerfs.io.blob.Streams;

/**
 * A response body read as a stream that fails when no data arrives for the idle timeout. The
 * JDK's own body stream waits forever for a server that stops sending mid-body; the request
 * timeout covers only the headers. One batch of buffers is asked for at a time, so memory stays
 * bounded. Closing it early drops the connection.
 */
final class IdleTimeoutBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
  /** What arrived after the last batch: the end of the body. */
  private static final Object END = new Object();

  private final Duration idleTimeout;
  /** Batches of buffers ({@code List<ByteBuffer>}), then {@link #END} or the failure. */
  private final BlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
  private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
  private Iterator<ByteBuffer> batch = Collections.emptyIterator();
  private ByteBuffer current = ByteBuffer.allocate(0);
  private boolean ended;
  private IOException failure;
  private volatile boolean closed;

  IdleTimeoutBody(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  @Override
  public CompletionStage<InputStream> getBody() {
    return CompletableFuture.completedStage(this);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription.complete(s);
    if (closed) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    arrived.add(item);
  }

  @Override
  public void onError(Throwable t) {
    arrived.add(t);
  }

  @Override
  public void onComplete() {
    arrived.add(END);
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
    while (!current.hasRemaining()) {
      if (batch.hasNext()) {
        current = batch.next();
      } else if (!next()) {
        return -1;
      }
    }
    int n = Math.min(len, current.remaining());
    current.get(b, off, n);
    return n;
  }

  /** Waits for the next batch; false at the end of the body. */
  @SuppressWarnings("unchecked")
  private boolean next() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (closed) {
      throw new IOException("the body is closed");
    }
    if (ended) {
      return false;
    }
    Object next;
    try {
      next = arrived.poll(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the body");
    }
    if (next == null) {
      cancel();
      failure = new IOException("no data received for " + describe(idleTimeout) + " (idle timeout)");
      throw failure;
    }
    if (next == END) {
      ended = true;
      return false;
    }
    if (next instanceof Throwable t) {
      failure = t instanceof IOException io ? io : new IOException(t.toString(), t);
      throw failure;
    }
    batch = ((List<ByteBuffer>) next).iterator();
    subscription.getNow(null).request(1);
    return true;
  }

  @Override
  public int available() {
    return current.remaining();
  }

  /** Drops the connection unless the whole body has arrived (then it may serve the next request). */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (!ended && !arrived.contains(END)) {
        cancel();
      }
    }
  }

  private void cancel() {
    subscription.thenAccept(Flow.Subscription::cancel);
  }

  /** "20 s", or "250 ms" for a duration of no whole seconds. */
  static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
