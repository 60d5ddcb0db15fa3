package org.layerfs.io.registry;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The arrays of one streamed body's slices, each filled again only once the connection has taken
 * every byte of the buffer it was published in: a fresh 256 KiB array per slice was every byte of
 * an upload allocated, zeroed and collected (README, "Streamed uploads reuse their arrays").
 *
 * <p>The HTTP client does not say when it is done with a published buffer, and how many it holds
 * is its own: on plain HTTP it asks for a slice while still writing the one before, and its TLS
 * writer queues up to ten before it encrypts any. What it does say is in the buffer: whoever takes
 * its bytes (the socket channel's write, the SSL engine's wrap) moves its position past them, and
 * none reads behind the position. Each slice is published as a buffer of its own over the array,
 * kept here; an array is taken again only when that buffer has no bytes left, and then no one
 * reads it again. The client takes slices in order, so only the oldest is looked at; while it is
 * still held, a new array is made, and the number of arrays settles at what the client holds.
 * One subscription's slices only: a body sent again gets arrays of its own, and the buffers a
 * cancelled exchange still holds are never written to. HTTP/1.1 only, as {@link HttpTransport}
 * speaks it: HTTP/2 cuts a buffer into frames that are slices of it, moving its position before
 * they are sent, so there no bytes left would not mean taken.
 */
final class SliceArrays {
  private final ArrayDeque<ByteBuffer> published = new ArrayDeque<>();

  /** An array of at least {@code length} bytes that no published buffer still has bytes of. */
  byte[] take(int length) {
    ByteBuffer oldest = published.peekFirst();
    if (oldest != null && !oldest.hasRemaining() && oldest.array().length >= length) {
      published.removeFirst();
      return oldest.array();
    }
    return new byte[length];
  }

  /** The buffer to publish over {@code array[0..length)}: its array is not taken again until its bytes are. */
  ByteBuffer publish(byte[] array, int length) {
    ByteBuffer slice = ByteBuffer.wrap(array, 0, length);
    published.addLast(slice);
    return slice;
  }
}
