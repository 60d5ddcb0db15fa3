package org.layerfs.pipeline.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Layouts;

/** {@code layerfs move}: the source loses only what the destination committed and verified. */
class MoveCommandTest {
  @TempDir Path tmp;

  @Test
  void removesFromTheSourceWhatTheDestinationCommitted() {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    byte[] shared = CopyCommandTest.bytes(3000, 1);
    byte[] own = CopyCommandTest.bytes(3000, 2);
    Layouts.writeImages(src, Map.of("moving", List.of(shared, own), "staying", List.of(shared)));
    String moving = Layouts.tags(src).get("moving");
    Set<String> movingBlobs = Layouts.reachable(src);

    Cli.Result r = Cli.run("move", "oci:" + src + ":moving", "oci:" + dst);

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("1 moved"), r::toString);
    assertEquals(Map.of("moving", moving), Layouts.tags(dst));
    assertEquals(Set.of("staying"), Layouts.tags(src).keySet());
    assertFalse(Files.exists(Layouts.blob(src, moving)), "the moved manifest is collected at the source");
    assertEquals(List.of(), Layouts.missingBlobs(src), "the shared layer stays for the image that stays");
    assertEquals(Layouts.reachable(src).size(), Layouts.files(src.resolve("blobs")).size());
    assertTrue(movingBlobs.containsAll(Layouts.reachable(dst)));
  }

  @Test
  void anImageThatFailsToCopyStaysWholeAtTheSource() throws IOException {
    Path src = tmp.resolve("src");
    Path dst = tmp.resolve("dst");
    Layouts.writeImages(src, Map.of("good", List.of(CopyCommandTest.bytes(500, 1)), "bad", List.of(CopyCommandTest.bytes(500, 2))));
    String bad = Layouts.tags(src).get("bad");
    String badLayer = Layouts.json(Layouts.blob(src, bad)).path("layers").get(0).path("digest").asText();
    Files.write(Layouts.blob(src, badLayer), CopyCommandTest.bytes(500, 99));

    Cli.Result r = Cli.run("move", "oci:" + src, "oci:" + dst);

    assertEquals(1, r.exit(), r::toString);
    assertEquals(Set.of("good"), Layouts.tags(dst).keySet());
    assertEquals(Map.of("bad", bad), Layouts.tags(src));
    assertTrue(Files.exists(Layouts.blob(src, badLayer)));
    assertTrue(Files.exists(Layouts.blob(src, bad)));
  }
}
