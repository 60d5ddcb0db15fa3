package org.layerfs.io.registry;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * A request body of bytes already in memory, published as slices of the caller's array. The
 * JDK's {@code BodyPublishers.ofByteArray} copies every byte into new 16 KiB buffers first: for
 * a blob's upload that was all of its bytes again as garbage, and the collector's work (README,
 * "Where a registry copy's CPU goes"). The array must not change until the request is answered.
 */
final class ArrayBody implements Flow.Publisher<ByteBuffer> {
  /** Bytes per published buffer: each socket write copies a buffer into a direct one. */
  private static final int SLICE = 64 << 10;

  private final byte[] bytes;
  private final int from;
  private final int to;

  private ArrayBody(byte[] bytes, int from, int to) {
    this.bytes = bytes;
    this.from = from;
    this.to = to;
  }

  /** The body {@code bytes[from..to)}. */
  static HttpRequest.BodyPublisher of(byte[] bytes, int from, int to) {
    if (from == to) {
      return HttpRequest.BodyPublishers.noBody();
    }
    return HttpRequest.BodyPublishers.fromPublisher(new ArrayBody(bytes, from, to), to - from);
  }

  /** The whole of {@code bytes}. */
  static HttpRequest.BodyPublisher of(byte[] bytes) {
    return of(bytes, 0, bytes.length);
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    subscriber.onSubscribe(new Slices(subscriber));
  }

  /** One subscriber's pass over the bytes. */
  private final class Slices extends SliceSubscription {
    private int next = from;

    Slices(Flow.Subscriber<? super ByteBuffer> subscriber) {
      super(subscriber);
    }

    @Override
    boolean hasMore() {
      return next < to;
    }

    @Override
    ByteBuffer next() {
      int end = Math.min(next + SLICE, to);
      ByteBuffer slice = ByteBuffer.wrap(bytes, next, end - next).slice();
      next = end;
      return slice;
    }
  }
}
