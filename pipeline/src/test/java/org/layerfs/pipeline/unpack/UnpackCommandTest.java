package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.hash.Hashing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.Jsonl;

/** {@code layerfs unpack} from the command line: usage errors, rootless owners, a refused image. */
class UnpackCommandTest {
  @TempDir Path tmp;

  private Cli.Result unpack(String... args) {
    return Cli.run(Stream.concat(Stream.of("unpack"), Stream.concat(Stream.of(args),
        Stream.of("--cache-dir", tmp.resolve("cache").toString()))).toList());
  }

  @Test
  void referenceToManyImagesIsAUsageErrorListingThem() {
    Cli.Result r = unpack(Fixtures.images(), tmp.resolve("out").toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(Fixtures.images() + " names 6 images; name one (a tag, @DIGEST or --platform):"), r.err());
    assertTrue(r.err().contains("\n  " + Fixtures.oci("layered") + " [linux/amd64]"), r.err());
    assertTrue(r.err().contains("\n  " + Fixtures.oci("multi") + " [linux/arm64/v8]"), r.err());
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void nonEmptyDirectoryIsAUsageError() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("mine.txt"), "keep");
    Cli.Result r = unpack(Fixtures.oci("small"), out.toString());
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(out + " is not empty (DIR must be empty or absent)"), r.err());
    assertEquals("keep", Files.readString(out.resolve("mine.txt")));
  }

  @Test
  void multiNeedsAPlatformAndUnpacksTheOneItNames() throws IOException {
    Path out = tmp.resolve("arm");
    Cli.Result r = unpack(Fixtures.oci("multi"), out.toString(), "--platform", "linux/arm64");
    assertEquals(0, r.exit(), r::toString);
    assertEquals("arm64", Files.readString(out.resolve("etc/arch")).trim());
    assertTrue(Files.exists(out.resolve("arm64.txt")) && !Files.exists(out.resolve("amd64.txt")));
  }

  @Test
  void rootlessRecordsOwnersBesideTheTree() throws IOException {
    Path out = tmp.resolve("rootless");
    Cli.Result r = unpack(Fixtures.oci("layered"), out.toString(), "--rootless");
    assertEquals(0, r.exit(), r::toString);
    Path owners = tmp.resolve("rootless.owners.jsonl");
    assertTrue(r.out().contains("owners (not applied, rootless): " + owners), r.out());
    Map<String, String> byPath = new TreeMap<>();
    for (JsonNode n : Jsonl.read(owners)) {
      byPath.put(n.get("path").asText(), n.get("uid").asLong() + ":" + n.get("gid").asLong());
    }
    assertEquals("1000:1000", byPath.get("home/user/owned.txt"));
    assertEquals("1000:1000", byPath.get("home/user"));
    assertEquals("0:0", byPath.get("etc/config.txt"));
    assertEquals("0:0", byPath.get(""), "the root's own entry");
    long uid = ((Number) Files.getAttribute(out.resolve("home/user/owned.txt"), "unix:uid")).longValue();
    assertEquals(((Number) Files.getAttribute(tmp, "unix:uid")).longValue(), uid, "owner not applied");
    try (Stream<Path> s = Files.walk(out)) {
      assertEquals(s.count() - 1, byPath.size(), "one record per entry (the root's own entry \"\" included), the hardlink left out");
    }
  }

  @Test
  void refusedImageLeavesNoTreeAndNothingOutside() throws IOException {
    Path sentinel = Files.createDirectories(tmp.resolve("sentinel"));
    Files.writeString(sentinel.resolve("keep.txt"), "precious");
    byte[] layer = tar(List.of(symlink("link", sentinel.toString()), file("link/keep.txt", "overwritten")));
    Path layout = HostileLayout.write(tmp.resolve("hostile"), "evil", layer);
    Path out = tmp.resolve("out");

    Cli.Result r = unpack("oci:" + layout + ":evil", out.toString());

    assertEquals(1, r.exit(), r::toString);
    String digest = "sha256:" + Hashing.sha256().hashBytes(layer);
    assertTrue(r.err().contains("oci:" + layout + ":evil: layer " + digest + ": entry \"link/keep.txt\": its parent \"link\" is a symlink"),
        r.err());
    assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS));
    assertEquals("precious", Files.readString(sentinel.resolve("keep.txt")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("cache", "hostile", "sentinel"), s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
    }
  }

  @Test
  void aHostileLayerThatWritesNothingIsRefusedToo() throws IOException {
    // Layer 2 holds only a whiteout of "dir/..": no entry of the merged view comes from it.
    TarArchiveEntry whiteout = new TarArchiveEntry("dir/.wh...");
    byte[] lower = tar(List.of(new TarArchiveEntry("dir/"), file("dir/f", "overwritten")));
    byte[] upper = tar(List.of(whiteout));
    Path layout = HostileLayout.write(tmp.resolve("hostile"), "evil", lower, upper);
    Path out = tmp.resolve("out");

    Cli.Result r = unpack("oci:" + layout + ":evil", out.toString());

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("layer sha256:" + Hashing.sha256().hashBytes(upper) + ": entry \"dir/.wh...\": a whiteout of \"..\""), r::toString);
    assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void aWrongBlobWhoseCatalogIsCachedFailsAsAWrongBlobNotAsABrokenTar() throws IOException {
    // wrong-digest's layer has the intact small's digest, whose catalog the first unpack caches.
    assertEquals(0, unpack(Fixtures.oci("small"), tmp.resolve("intact").toString()).exit());
    Path out = tmp.resolve("out");

    Cli.Result r = unpack(Fixtures.bad("wrong-digest") + ":small", out.toString());

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("digest mismatch"), r::toString);
    assertFalse(r.err().contains("broken tar"), r::toString);
    assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS));
  }

  /** umoci refuses it too ("discard trailing archive bits"); the JDK's gzip reader alone would not. */
  @Test
  void aGzipLayerFollowedByGarbageIsRefusedNamingTheLayerAndTheOffset() {
    Path out = tmp.resolve("out");

    Cli.Result r = unpack(Fixtures.bad("gzip-trailing-garbage") + ":small", out.toString());

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("sha256:f87d621de0c3995d126364d55bd9227a0af35b89d75ef573f13e9f427400f402"), r::toString);
    assertTrue(r.err().contains("16 bytes that are not a gzip member follow the last member, at byte offset 364"), r::toString);
    assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS));
  }

  private static TarArchiveEntry symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    return e;
  }

  private static TarArchiveEntry file(String name, String content) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length());
    return e;
  }

  /** A tar of {@code entries}; files hold "overwritten". */
  private static byte[] tar(List<TarArchiveEntry> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name())) {
      for (TarArchiveEntry e : entries) {
        out.putArchiveEntry(e);
        if (e.getSize() > 0) {
          out.write("overwritten".getBytes(StandardCharsets.UTF_8));
        }
        out.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }
}
