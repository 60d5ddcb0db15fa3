package org.layerfs.io.registry;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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

  /** One subscriber's pass over the bytes: as many slices as it asked for, then the end. */
  private final class Slices implements Flow.Subscription {
    private final Flow.Subscriber<? super ByteBuffer> subscriber;
    private final AtomicLong demand = new AtomicLong();
    /** Calls of {@link #drain} in progress or owed: one thread publishes, the others only add demand. */
    private final AtomicInteger draining = new AtomicInteger();
    private int next = from;
    private volatile boolean finished;

    Slices(Flow.Subscriber<? super ByteBuffer> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        cancel();
        subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive"));
        return;
      }
      demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      drain();
    }

    @Override
    public void cancel() {
      finished = true;
    }

    /** Publishes while there is demand; a request made from inside onNext is served by the loop, not by recursion. */
    private void drain() {
      if (draining.getAndIncrement() != 0) {
        return;
      }
      do {
        while (!finished && next < to && demand.get() > 0) {
          int end = Math.min(next + SLICE, to);
          ByteBuffer slice = ByteBuffer.wrap(bytes, next, end - next).slice();
          next = end;
          demand.decrementAndGet();
          subscriber.onNext(slice);
        }
        if (!finished && next == to) {
          finished = true;
          subscriber.onComplete();
        }
      } while (draining.decrementAndGet() != 0);
    }
  }
}
