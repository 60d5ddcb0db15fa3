package org.layerfs.io.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;

class StreamedBodyTest {
  private static final byte[] BLOB = blob(1_500_000);
  private static final Descriptor DESCRIPTOR = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(BLOB), BLOB.length);

  @Test
  void aSubscriberThatTakesEachSliceBeforeAskingForTheNextGetsOneArrayOverAndOver() {
    Taker taker = new Taker(1);
    body().subscribe(taker);

    assertTrue(taker.completed);
    assertArrayEquals(BLOB, taker.taken.toByteArray());
    assertEquals(1, taker.arrays.size(), "each slice's array taken again once its bytes were");
  }

  /**
   * The TLS writer asks for slices before it encrypts those it holds: none of their arrays may be
   * filled again while it holds their bytes, or it would send the wrong ones.
   */
  @Test
  void noArrayIsFilledAgainWhileTheSubscriberHoldsBytesOfIt() {
    Taker taker = new Taker(4);
    body().subscribe(taker);

    assertTrue(taker.completed);
    assertArrayEquals(BLOB, taker.taken.toByteArray());
    assertEquals(4, taker.arrays.size(), "an array for each slice held, the oldest taken again once its bytes were");
  }

  private static StreamedBody body() {
    return new StreamedBody(
        offset -> new ByteArrayInputStream(BLOB, (int) offset, BLOB.length - (int) offset),
        DESCRIPTOR, new UploadVerifier(DESCRIPTOR, "test blob"), 0);
  }

  private static byte[] blob(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  /**
   * Holds up to {@code held} slices untaken, asking for the next as soon as it holds fewer; takes
   * the oldest (reads its bytes, moving its position to its limit) when it holds them all.
   */
  private static final class Taker implements Flow.Subscriber<ByteBuffer> {
    private final int held;
    private final ArrayDeque<ByteBuffer> holding = new ArrayDeque<>();
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    final Set<byte[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
    private Flow.Subscription subscription;
    boolean completed;

    Taker(int held) {
      this.held = held;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(held);
    }

    @Override
    public void onNext(ByteBuffer slice) {
      arrays.add(slice.array());
      holding.addLast(slice);
      if (holding.size() == held) {
        take();
        subscription.request(1);
      }
    }

    private void take() {
      ByteBuffer oldest = holding.removeFirst();
      byte[] bytes = new byte[oldest.remaining()];
      oldest.get(bytes);
      taken.writeBytes(bytes);
    }

    @Override
    public void onError(Throwable t) {
      throw new AssertionError(t);
    }

    @Override
    public void onComplete() {
      while (!holding.isEmpty()) {
        take();
      }
      completed = true;
    }
  }
}
