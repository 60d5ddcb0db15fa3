package org.layerfs.io.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class ArrayBodyTest {
  @Test
  void publishesTheRangeAsSlicesOfTheCallersArrayOneRequestAtATime() {
    byte[] bytes = new byte[200_000];
    new Random(1).nextBytes(bytes);
    HttpRequest.BodyPublisher body = ArrayBody.of(bytes, 1_000, 190_000);
    assertEquals(189_000, body.contentLength());

    List<ByteBuffer> received = new ArrayList<>();
    boolean[] completed = {false};
    // Asks for the next buffer from inside onNext, as the HTTP client does: served, not recursed into.
    body.subscribe(new Flow.Subscriber<ByteBuffer>() {
      private Flow.Subscription subscription;
      private int depth;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
      }

      @Override
      public void onNext(ByteBuffer item) {
        assertEquals(0, depth++);
        received.add(item);
        subscription.request(1);
        depth--;
      }

      @Override
      public void onError(Throwable t) {
        throw new AssertionError(t);
      }

      @Override
      public void onComplete() {
        completed[0] = true;
      }
    });

    assertTrue(completed[0]);
    assertTrue(received.size() > 1, "in slices, not one buffer");
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (ByteBuffer b : received) {
      assertSame(bytes, b.array(), "a slice of the caller's array, not a copy");
      joined.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
    }
    assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 1_000, 190_000), joined.toByteArray());
  }

  @Test
  void anEmptyRangeIsNoBody() {
    assertEquals(0, ArrayBody.of(new byte[0]).contentLength());
  }
}
