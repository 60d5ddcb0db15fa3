package org.layerfs.pipeline.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.layerfs.pipeline.testing.Layouts;

/**
 * A layer blob of an OCI layout replaced by a named pipe, so that a job reading it waits, in the
 * middle of its run, for as long as the test wants.
 */
final class HeldBlob {
  private final Path layout;
  private final Path blob;
  private final byte[] bytes;

  private HeldBlob(Path layout, Path blob, byte[] bytes) {
    this.layout = layout;
    this.blob = blob;
    this.bytes = bytes;
  }

  /** Holds the first layer of the {@code small} image of {@code layout}. */
  static HeldBlob in(Path layout) throws IOException, InterruptedException {
    String manifest = Layouts.tags(layout).get("small");
    String layer = Layouts.json(Layouts.blob(layout, manifest)).path("layers").get(0).path("digest").asText();
    Path blob = Layouts.blob(layout, layer);
    byte[] bytes = Files.readAllBytes(blob);
    Files.delete(blob);
    Process mkfifo = new ProcessBuilder("mkfifo", blob.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor(), "mkfifo " + blob);
    return new HeldBlob(layout, blob, bytes);
  }

  Path layout() {
    return layout;
  }

  /** Gives the waiting reader the whole blob. */
  void feed() throws IOException {
    Files.write(blob, bytes);
  }

  /**
   * Gives a reader, if one waits, half the blob and the end of it. Opened read-write, a pipe
   * opens at once even when nobody reads it (Linux), and what nobody reads is dropped.
   */
  void breakOff() throws IOException {
    try (RandomAccessFile pipe = new RandomAccessFile(blob.toFile(), "rw")) {
      pipe.write(bytes, 0, bytes.length / 2);
    }
  }

  /** Puts the blob back as a plain file. */
  void restore() throws IOException {
    Files.delete(blob);
    Files.write(blob, bytes);
  }
}
