package org.layerfs.io.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber's pass over a request body made of slices: as many as it asked for, then the
 * end, or the error that stopped the slices. One thread at a time makes and publishes slices; the
 * others only add demand, and a request made from inside onNext is served by the loop, not by
 * recursion.
 */
abstract class SliceSubscription implements Flow.Subscription {
  private final Flow.Subscriber<? super ByteBuffer> subscriber;
  private final AtomicLong demand = new AtomicLong();
  /** Calls of {@link #drain} in progress or owed. */
  private final AtomicInteger draining = new AtomicInteger();
  private volatile boolean finished;

  SliceSubscription(Flow.Subscriber<? super ByteBuffer> subscriber) {
    this.subscriber = subscriber;
  }

  /** True while slices remain. */
  abstract boolean hasMore();

  /** The next slice, whose bytes must not change until the subscriber has taken them. */
  abstract ByteBuffer next() throws IOException;

  /** Called before the end is signalled. */
  void ended() throws IOException {}

  /** Called with what stopped the slices, before the subscriber hears of it. */
  void failed(Exception e) {}

  /** Called once the pass is over (ended, failed or cancelled), on the thread that makes slices. */
  void release() {}

  /** Called on every request for more: the connection took what it had. */
  void demanded() {}

  @Override
  public final void request(long n) {
    if (n <= 0) {
      cancel();
      subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be positive"));
      return;
    }
    demanded();
    demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
    drain();
  }

  @Override
  public final void cancel() {
    finished = true;
    drain();
  }

  private void drain() {
    if (draining.getAndIncrement() != 0) {
      return;
    }
    do {
      try {
        while (!finished && hasMore() && demand.get() > 0) {
          ByteBuffer slice = next();
          demand.decrementAndGet();
          subscriber.onNext(slice);
        }
        if (!finished && !hasMore()) {
          finished = true;
          ended();
          subscriber.onComplete();
        }
      } catch (IOException | RuntimeException e) {
        finished = true;
        failed(e);
        subscriber.onError(e);
      }
      if (finished) {
        release();
      }
    } while (draining.decrementAndGet() != 0);
  }
}
