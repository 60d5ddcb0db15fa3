package org.layerfs.pipeline.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.Jsonl;

/** {@code layerfs diff} over fixture pairs, with the exact paths expected. */
class DiffCommandTest {
  @TempDir Path tmp;

  private Cli.Result diff(String... args) {
    List<String> argv = new ArrayList<>(List.of("diff"));
    argv.addAll(List.of(args));
    argv.addAll(List.of("--cache-dir", tmp.resolve("cache").toString()));
    return Cli.run(argv);
  }

  @Test
  void multiAmd64AgainstArm64() {
    Cli.Result r = diff(Fixtures.oci("multi"), Fixtures.oci("multi"), "--platform", "linux/amd64,linux/arm64");
    assertEquals(0, r.exit(), r::toString);
    assertEquals("""
        D amd64.txt (file)
        A arm64.txt (file)
        M etc/arch (content)
        1 added (14 bytes), 1 removed (14 bytes), 1 changed (6 bytes)
        """, r.out());
  }

  @Test
  void multiAsJson() {
    Cli.Result r = diff(Fixtures.oci("multi"), Fixtures.oci("multi"), "--platform", "linux/amd64,linux/arm64", "--json");
    assertEquals(0, r.exit(), r::toString);
    JsonNode d = Jsonl.parse(r.out());
    assertEquals(Fixtures.oci("multi") + " [linux/amd64]", d.get("a").asText());
    assertEquals(Fixtures.oci("multi") + " [linux/arm64/v8]", d.get("b").asText());
    assertEquals("arm64.txt", d.get("added").get(0).get("path").asText());
    assertEquals("amd64.txt", d.get("removed").get(0).get("path").asText());
    JsonNode changed = d.get("changed").get(0);
    assertEquals("etc/arch", changed.get("path").asText());
    assertEquals("[\"content\"]", changed.get("fields").toString());
    assertNotEquals(changed.get("a").get("sha256"), changed.get("b").get("sha256"));
    assertEquals("{\"added\":1,\"addedBytes\":14,\"removed\":1,\"removedBytes\":14,\"changed\":1,\"changedBytes\":6}",
        d.get("summary").toString());
  }

  @Test
  void anImageAgainstItselfHasNoDifferences() {
    Cli.Result r = diff(Fixtures.oci("layered"), Fixtures.oci("layered-zstd"));
    assertEquals(0, r.exit(), r::toString);
    assertEquals("0 added (0 bytes), 0 removed (0 bytes), 0 changed (0 bytes)\n", r.out());
  }

  @Test
  void smallAgainstLayered() {
    Cli.Result r = diff(Fixtures.oci("small"), Fixtures.oci("layered"));
    assertEquals(0, r.exit(), r::toString);
    assertEquals(SMALL_TO_LAYERED, r.out());
  }

  @Test
  void twoImagesInOneReferenceIsAUsageError() {
    Cli.Result r = diff(Fixtures.oci("multi"), Fixtures.oci("small"));
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(Fixtures.oci("multi") + " names 2 images"), r.err());
  }

  @Test
  void aGzipLayerFollowedByGarbageFailsTheDiffNamingTheLayerAndTheOffset() {
    Cli.Result r = diff(Fixtures.oci("small"), Fixtures.bad("gzip-trailing-garbage") + ":small");
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("sha256:f87d621de0c3995d126364d55bd9227a0af35b89d75ef573f13e9f427400f402"), r::toString);
    assertTrue(r.err().contains("16 bytes that are not a gzip member follow the last member, at byte offset 364"), r::toString);
    assertEquals("", r.out());
  }

  /** small's paths under bin/, data/, etc/ and hello.txt against layered's; bin and etc are alike in both. */
  private static final String SMALL_TO_LAYERED =
      """
      A app (dir)
      A app/README (file)
      A app/data (dir)
      A app/data/added-in-layer2.txt (file)
      A app/data/nested (dir)
      A app/data/nested/deep (dir)
      A app/data/nested/deep/file.txt (file)
      A attrs (dir)
      A attrs/xattr.txt (file)
      D bin/run.sh (file)
      A bin/suid-tool (file)
      D data (dir)
      D data/added.txt (file)
      D data/sub (dir)
      D data/sub/nested.txt (file)
      A données (dir)
      A données/café-ünïcødé.txt (file)
      A empty.txt (file)
      A etc/config.txt (file)
      A etc/motd (file)
      D etc/small.conf (file)
      D hello.txt (file)
      A home (dir)
      A home/user (dir)
      A home/user/owned.txt (file)
      A links (dir)
      A links/abs (symlink)
      A links/rel (symlink)
      A long (dir)
      A long/this-directory-name-is-long-enough-to-need-pax (dir)
      A long/this-directory-name-is-long-enough-to-need-pax/and-so-is-this-one-0123456789abcdef (dir)
      A long/this-directory-name-is-long-enough-to-need-pax/and-so-is-this-one-0123456789abcdef/file-with-a-long-name.txt (file)
      A opaque (dir)
      A opaque/new.txt (file)
      A recreate (dir)
      A recreate/new.txt (file)
      A replaced (file)
      A shared (dir)
      A shared/note.txt (file)
      A special (dir)
      A special/fifo (fifo)
      A special/hardlink-target.txt (file)
      A special/hardlink.txt (hardlink)
      A times (dir)
      A times/fixed-mtime.txt (file)
      38 added (351 bytes), 7 removed (70 bytes), 0 changed (0 bytes)
      """;
}
