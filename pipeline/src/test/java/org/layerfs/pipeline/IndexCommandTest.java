package org.layerfs.pipeline;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.testing.TestData;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Jsonl;
import org.layerfs.pipeline.testing.Layouts;

/**
 * {@code layerfs index} and {@code layerfs inspect} end to end, in process on the direct runner,
 * over the fixtures in {@code testdata/}: catalog contents, the merged views, the cache, bad input
 * and bad usage.
 */
class IndexCommandTest {
  static final Set<String> TYPES = Set.of("file", "dir", "symlink", "hardlink", "fifo", "char", "block");
  static final Pattern MODE = Pattern.compile("[0-7]{4}");
  static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  /** Every path of layered's merged view (checked against umoci unpack by UmociOracleTest). */
  static final Set<String> LAYERED_PATHS = Set.of(
      "", "app", "app/README", "app/data", "app/data/added-in-layer2.txt", "app/data/nested",
      "app/data/nested/deep", "app/data/nested/deep/file.txt",
      "attrs", "attrs/xattr.txt", "bin", "bin/suid-tool",
      "données", "données/café-ünïcødé.txt", "empty.txt",
      "etc", "etc/config.txt", "etc/motd", "home", "home/user", "home/user/owned.txt",
      "links", "links/abs", "links/rel",
      "long", "long/this-directory-name-is-long-enough-to-need-pax",
      "long/this-directory-name-is-long-enough-to-need-pax/and-so-is-this-one-0123456789abcdef",
      "long/this-directory-name-is-long-enough-to-need-pax/and-so-is-this-one-0123456789abcdef/file-with-a-long-name.txt",
      "opaque", "opaque/new.txt", "recreate", "recreate/new.txt", "replaced",
      "shared", "shared/note.txt", "special", "special/fifo", "special/hardlink-target.txt",
      "special/hardlink.txt", "times", "times/fixed-mtime.txt");

  static IndexRun run;

  @BeforeAll
  static void index() {
    run = Fixtures.shared();
  }

  // ---------------------------------------------------------------- the catalog

  @Test
  void indexesEveryImageOfTheFixtures() {
    assertEquals(0, run.result.exit(), run.result::toString);
    assertTrue(run.result.out().contains("index: 8 images, 0 failed"), run.result::toString);
    List<JsonNode> images = run.images();
    Map<String, Long> refs = images.stream().collect(Collectors.groupingBy(n -> n.get("ref").asText(), TreeMap::new, Collectors.counting()));
    assertEquals(
        new TreeMap<>(Map.of(
            Fixtures.oci("small"), 1L, Fixtures.oci("layered"), 1L, Fixtures.oci("layered-zstd"), 1L,
            Fixtures.oci("multi"), 2L, Fixtures.oci("uncompressed"), 1L,
            Fixtures.layeredDockerArchive() + ":layerfs/layered:1.0", 1L,
            Fixtures.smallOciDockerArchive() + ":layerfs/small:1.0", 1L)),
        refs);
    assertEquals(Set.of("linux/amd64", "linux/arm64/v8"),
        run.imagesWithRef(Fixtures.oci("multi")).stream().map(n -> n.get("platform").asText()).collect(Collectors.toSet()));
    for (JsonNode image : images) {
      String what = image.toString();
      assertTrue(DIGEST.matcher(image.path("digest").asText()).matches(), what);
      assertTrue(image.path("platform").asText().startsWith("linux/"), what);
      assertTrue(image.get("layers").isArray() && image.get("layers").size() >= 1, what);
      image.get("layers").forEach(l -> assertTrue(DIGEST.matcher(l.asText()).matches(), what));
      for (String f : List.of("files", "totalBytes", "mergedBytes", "wastedBytes")) {
        assertTrue(image.path(f).isIntegralNumber() && image.get(f).asLong() >= 0, f + " in " + what);
      }
      assertEquals(image.get("totalBytes").asLong(), image.get("mergedBytes").asLong() + image.get("wastedBytes").asLong(), what);
      double eff = image.path("efficiency").asDouble(-1);
      assertTrue(eff > 0 && eff <= 1, what);
      assertEquals(image.get("files").asLong(), run.merged(image.get("digest").asText()).size(), what);
      Map<String, JsonNode> layers = run.layersByDigest();
      assertEquals(image.get("totalBytes").asLong(),
          IndexRun.layerDigests(image).stream().mapToLong(d -> layers.get(d).get("fileBytes").asLong()).sum(),
          "totalBytes is the sum of its layers' fileBytes: " + what);
    }
    JsonNode layered = run.image(Fixtures.oci("layered"));
    assertEquals(4, layered.get("layers").size());
    assertTrue(layered.get("wastedBytes").asLong() > 0, "layer 2 overwrites etc/config.txt and deletes files: " + layered);
    assertEquals(0, run.image(Fixtures.oci("uncompressed")).get("wastedBytes").asLong());
  }

  @Test
  void layersJsonlHasOneRecordPerDistinctLayer() throws IOException {
    List<JsonNode> layers = run.layers();
    Set<String> used = new TreeSet<>();
    run.images().forEach(i -> used.addAll(IndexRun.layerDigests(i)));
    List<String> digests = layers.stream().map(n -> n.get("digest").asText()).toList();
    assertEquals(digests.size(), new HashSet<>(digests).size(), "a layer recorded twice: " + digests);
    assertEquals(used, new TreeSet<>(digests));
    for (JsonNode l : layers) {
      String what = l.toString();
      for (String f : List.of("digest", "diffID", "mediaType", "compression", "size", "uncompressedSize", "entries", "fileBytes")) {
        assertTrue(l.hasNonNull(f), f + " missing: " + what);
      }
      assertTrue(DIGEST.matcher(l.get("diffID").asText()).matches(), what);
      String mediaType = l.get("mediaType").asText();
      String compression = l.get("compression").asText();
      if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
        assertEquals("gzip", compression, what);
      } else if (mediaType.endsWith("+zstd")) {
        assertEquals("zstd", compression, what);
      } else {
        assertEquals("none", compression, what);
        assertEquals(l.get("digest").asText(), l.get("diffID").asText(), "an uncompressed layer is its own diffID: " + what);
        assertEquals(l.get("size").asLong(), l.get("uncompressedSize").asLong(), what);
      }
      assertEquals(run.files(l.get("digest").asText()).size(), l.get("entries").asLong(), what);
      assertTrue(l.get("uncompressedSize").asLong() % 512 == 0, "a tar is whole 512-byte blocks: " + what);
    }
    // Sizes are the blobs' sizes in the layout.
    Map<String, JsonNode> byDigest = run.layersByDigest();
    for (String d : IndexRun.layerDigests(run.image(Fixtures.oci("layered")))) {
      assertEquals(Files.size(TestData.images().resolve("blobs/sha256").resolve(IndexRun.hex(d))), byDigest.get(d).get("size").asLong(), d);
    }
    // Recompressed and docker-saved copies of layered: other blobs, the same diffIDs.
    List<String> gz = diffIds(Fixtures.oci("layered"));
    assertEquals(4, gz.size());
    assertEquals(gz, diffIds(Fixtures.oci("layered-zstd")));
    assertEquals(gz, diffIds(Fixtures.layeredDockerArchive() + ":layerfs/layered:1.0"));
    assertEquals(gz, IndexRun.layerDigests(run.image(Fixtures.layeredDockerArchive() + ":layerfs/layered:1.0")),
        "docker save stores layers uncompressed: digest = diffID");
  }

  private static List<String> diffIds(String ref) {
    Map<String, JsonNode> byDigest = run.layersByDigest();
    return IndexRun.layerDigests(run.image(ref)).stream().map(d -> byDigest.get(d).get("diffID").asText()).toList();
  }

  @Test
  void fileCatalogForEveryLayer() {
    for (JsonNode l : run.layers()) {
      String digest = l.get("digest").asText();
      List<JsonNode> files = run.files(digest);
      assertFalse(files.isEmpty(), digest);
      long fileBytes = 0;
      for (JsonNode f : files) {
        assertEntryShape(f);
        assertEquals(digest, f.get("layer").asText(), f.toString());
        if (f.get("type").asText().equals("file")) {
          fileBytes += f.get("size").asLong();
        }
      }
      assertEquals(l.get("fileBytes").asLong(), fileBytes, digest);
    }
    // Layer 2 of layered holds the two whiteouts umoci wrote; layer 4 the opaque marker.
    List<String> layers = IndexRun.layerDigests(run.image(Fixtures.oci("layered")));
    Map<String, JsonNode> l2 = byPath(run.files(layers.get(1)));
    assertEquals("olddir", l2.get(".wh.olddir").path("whiteout").asText());
    assertEquals("remove-me.txt", l2.get(".wh.remove-me.txt").path("whiteout").asText());
    Map<String, JsonNode> l4 = byPath(run.files(layers.get(3)));
    assertTrue(l4.get("opaque/.wh..wh..opq").path("opaque").asBoolean(), l4.toString());
    assertEquals("recreate", l4.get(".wh.recreate").path("whiteout").asText());
  }

  @Test
  void mergedViewForEveryImage() {
    for (JsonNode image : run.images()) {
      String digest = image.get("digest").asText();
      assertTrue(Files.isRegularFile(run.mergedPath(digest)), digest);
      Set<String> layers = new HashSet<>(IndexRun.layerDigests(image));
      Map<String, JsonNode> merged = run.mergedByPath(digest);
      assertFalse(merged.isEmpty(), digest);
      for (JsonNode e : merged.values()) {
        assertEntryShape(e);
        String path = e.get("path").asText();
        String name = path.substring(path.lastIndexOf('/') + 1);
        assertFalse(name.startsWith(".wh."), "whiteout marker in a merged view: " + e);
        assertFalse(e.has("whiteout") || e.has("opaque"), "whiteout marker in a merged view: " + e);
        assertTrue(layers.contains(e.get("layer").asText()), "layer not of this image: " + e);
        if (path.contains("/")) {
          String parent = path.substring(0, path.lastIndexOf('/'));
          assertEquals("dir", Optional.ofNullable(merged.get(parent)).map(p -> p.get("type").asText()).orElse("absent"),
              "parent of " + path + " in " + image.get("ref"));
        }
      }
    }
  }

  /** The shape every record of files/ and merged/ has. */
  static void assertEntryShape(JsonNode e) {
    String what = e.toString();
    String path = e.get("path").asText();
    // "" is the root's own entry ("./" in a tar).
    assertFalse(path.equals(".") || path.startsWith("./") || path.startsWith("/") || path.endsWith("/")
        || path.contains("//") || path.contains("/./") || path.startsWith("../") || path.contains("/../"), "path not normalised: " + what);
    String type = e.get("type").asText();
    assertTrue(TYPES.contains(type), what);
    assertTrue(MODE.matcher(e.get("mode").asText()).matches(), "mode: " + what);
    for (String f : List.of("uid", "gid", "size", "mtime")) {
      assertTrue(e.path(f).isIntegralNumber(), f + ": " + what);
    }
    assertTrue(e.get("layer").asText().startsWith("sha256:"), what);
    if (type.equals("file") || type.equals("hardlink")) {
      assertTrue(HEX.matcher(e.path("sha256").asText()).matches(), "sha256: " + what);
    } else {
      assertFalse(e.has("sha256"), what);
    }
    assertEquals(type.equals("symlink") || type.equals("hardlink"), e.has("linkTarget"), "linkTarget: " + what);
  }

  @Test
  void layeredMergedViewFollowsTheWhiteoutRules() {
    JsonNode image = run.image(Fixtures.oci("layered"));
    List<String> layers = IndexRun.layerDigests(image);
    Map<String, JsonNode> m = run.mergedByPath(image.get("digest").asText());
    assertEquals(new TreeSet<>(LAYERED_PATHS), new TreeSet<>(m.keySet()));
    // Removed by whiteouts, an opaque directory, a file replacing a directory, a recreated directory.
    for (String gone : List.of("remove-me.txt", "olddir", "olddir/a.txt", "olddir/sub/b.txt", "opaque/lower1.txt",
        "opaque/sub", "opaque/sub/lower2.txt", "replaced/x.txt", "replaced/y", "replaced/y/z.txt", "recreate/old.txt")) {
      assertFalse(m.containsKey(gone), gone);
    }
    assertAll(
        () -> assertEquals("file", m.get("replaced").get("type").asText()),
        () -> assertEquals(layers.get(3), m.get("replaced").get("layer").asText()),
        () -> assertEquals(layers.get(3), m.get("opaque/new.txt").get("layer").asText()),
        () -> assertEquals(layers.get(3), m.get("recreate/new.txt").get("layer").asText()),
        () -> assertEquals("dir", m.get("recreate").get("type").asText()),
        () -> assertEquals(layers.get(1), m.get("etc/config.txt").get("layer").asText()),
        () -> assertEquals(35, m.get("etc/config.txt").get("size").asLong(), "version=2 (overwritten in layer 2)"),
        () -> assertEquals(layers.get(0), m.get("etc/motd").get("layer").asText()),
        () -> assertEquals(layers.get(1), m.get("app/data/added-in-layer2.txt").get("layer").asText()),
        () -> assertEquals("4755", m.get("bin/suid-tool").get("mode").asText()),
        () -> assertEquals("1777", m.get("shared").get("mode").asText()),
        () -> assertEquals("dir", m.get("shared").get("type").asText()),
        () -> assertEquals("fifo", m.get("special/fifo").get("type").asText()),
        () -> assertEquals("hardlink", m.get("special/hardlink.txt").get("type").asText()),
        () -> assertEquals("special/hardlink-target.txt", m.get("special/hardlink.txt").get("linkTarget").asText()),
        () -> assertEquals(m.get("special/hardlink-target.txt").get("sha256").asText(), m.get("special/hardlink.txt").get("sha256").asText()),
        () -> assertEquals("symlink", m.get("links/rel").get("type").asText()),
        () -> assertEquals("../etc/config.txt", m.get("links/rel").get("linkTarget").asText()),
        () -> assertEquals("/etc/config.txt", m.get("links/abs").get("linkTarget").asText()),
        () -> assertEquals("fixture", m.get("attrs/xattr.txt").path("xattrs").path("user.layerfs").asText()),
        () -> assertEquals(1000, m.get("home/user/owned.txt").get("uid").asLong()),
        () -> assertEquals(1000, m.get("home/user/owned.txt").get("gid").asLong()),
        () -> assertEquals(1000, m.get("home/user").get("uid").asLong()),
        () -> assertEquals(0, m.get("etc/motd").get("uid").asLong()),
        () -> assertEquals(1234567890L, m.get("times/fixed-mtime.txt").get("mtime").asLong()),
        () -> assertEquals(1700000000L, m.get("etc/motd").get("mtime").asLong()),
        () -> assertEquals(0, m.get("empty.txt").get("size").asLong()),
        () -> assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", m.get("empty.txt").get("sha256").asText()),
        () -> assertEquals(32, m.get("long/this-directory-name-is-long-enough-to-need-pax/and-so-is-this-one-0123456789abcdef/file-with-a-long-name.txt").get("size").asLong()),
        () -> assertEquals("file", m.get("données/café-ünïcødé.txt").get("type").asText()));
  }

  @Test
  void smallAndMultiMergedViews() {
    JsonNode small = run.image(Fixtures.oci("small"));
    List<String> layers = IndexRun.layerDigests(small);
    Map<String, JsonNode> m = run.mergedByPath(small.get("digest").asText());
    assertTrue(m.keySet().containsAll(List.of("hello.txt", "etc/small.conf", "data/sub/nested.txt", "data/added.txt", "bin/run.sh")), m.keySet().toString());
    assertFalse(m.containsKey("data/gone.txt"));
    assertFalse(m.containsKey("data/.wh.gone.txt"));
    assertEquals(layers.get(1), m.get("etc/small.conf").get("layer").asText());
    assertEquals(layers.get(0), m.get("hello.txt").get("layer").asText());
    assertEquals("0755", m.get("bin/run.sh").get("mode").asText());

    for (JsonNode image : run.imagesWithRef(Fixtures.oci("multi"))) {
      Map<String, JsonNode> v = run.mergedByPath(image.get("digest").asText());
      boolean amd64 = image.get("platform").asText().equals("linux/amd64");
      assertEquals(amd64, v.containsKey("amd64.txt"), v.keySet().toString());
      assertEquals(!amd64, v.containsKey("arm64.txt"), v.keySet().toString());
      assertEquals("file", v.get("etc/arch").get("type").asText());
    }
    List<JsonNode> multi = run.imagesWithRef(Fixtures.oci("multi"));
    assertNotEquals(multi.get(0).get("layers"), multi.get(1).get("layers"));
  }

  @Test
  void copiesInOtherFormatsHaveTheSameMergedView() {
    JsonNode layered = run.image(Fixtures.oci("layered"));
    Map<String, JsonNode> expected = withoutLayer(run.mergedByPath(layered.get("digest").asText()));
    for (String ref : List.of(Fixtures.oci("layered-zstd"), Fixtures.layeredDockerArchive() + ":layerfs/layered:1.0")) {
      JsonNode copy = run.image(ref);
      Set<String> shared = new HashSet<>(IndexRun.layerDigests(copy));
      shared.retainAll(IndexRun.layerDigests(layered));
      assertEquals(Set.of(), shared, "the copies' layer blobs differ from layered's");
      assertEquals(expected, withoutLayer(run.mergedByPath(copy.get("digest").asText())), ref);
    }
    JsonNode small = run.image(Fixtures.oci("small"));
    assertEquals(withoutLayer(run.mergedByPath(small.get("digest").asText())),
        withoutLayer(run.mergedByPath(run.image(Fixtures.smallOciDockerArchive() + ":layerfs/small:1.0").get("digest").asText())));
  }

  /** A merged view with the providing layer left out: what two copies of one image share. */
  private static Map<String, JsonNode> withoutLayer(Map<String, JsonNode> view) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    view.forEach((path, e) -> out.put(path, ((ObjectNode) e.deepCopy()).without("layer")));
    return out;
  }

  private static Map<String, JsonNode> byPath(List<JsonNode> entries) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    entries.forEach(e -> out.put(e.get("path").asText(), e));
    return out;
  }

  @Test
  void platformSelectsOneImageOfAnIndex(@TempDir Path tmp) {
    IndexRun arm = IndexRun.run(tmp.resolve("out"), tmp.resolve("cache"), List.of(Fixtures.oci("multi")), "--platform", "linux/arm64");
    assertEquals(0, arm.result.exit(), arm.result::toString);
    List<JsonNode> images = arm.images();
    assertEquals(1, images.size(), images.toString());
    assertEquals("linux/arm64/v8", images.get(0).get("platform").asText());
    JsonNode expected = run.imagesWithRef(Fixtures.oci("multi")).stream()
        .filter(n -> n.get("platform").asText().equals("linux/arm64/v8")).findFirst().orElseThrow();
    assertEquals(expected, images.get(0));
    assertEquals(IndexRun.layerDigests(expected), arm.layers().stream().map(l -> l.get("digest").asText()).toList());
    assertTrue(arm.mergedByPath(expected.get("digest").asText()).containsKey("arm64.txt"));
    assertEquals(1, arm.report().get("layers").get("decompressed").asLong(), "only the arm64 layer is read");
  }

  // ---------------------------------------------------------------- the cache

  @Test
  void secondRunDecompressesNothingAndWritesTheSameCatalog(@TempDir Path tmp) throws IOException {
    IndexRun again = IndexRun.run(tmp.resolve("out"), run.cache,
        List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive()));
    assertEquals(0, again.result.exit(), again.result::toString);
    JsonNode layers = again.report().get("layers");
    int distinct = run.layers().size();
    assertEquals(0, layers.get("decompressed").asLong(), layers.toString());
    assertEquals(distinct, layers.get("fromCache").asLong(), layers.toString());
    assertEquals(0, layers.get("failed").asLong());
    assertEquals(0, layers.get("cacheEntriesRebuilt").asLong());
    assertEquals("ok", again.report().get("status").asText());
    assertTrue(again.result.out().contains("layers: 0 decompressed, " + distinct + " from cache"), again.result::toString);
    for (JsonNode image : again.report().get("images")) {
      assertEquals(image.get("layers").size(), image.get("layersFromCache").asInt(), image.toString());
    }
    assertSameCatalog(run.out, again.out);
  }

  @Test
  void damagedCacheEntriesAreRebuilt(@TempDir Path tmp) throws IOException {
    Path cache = tmp.resolve("cache");
    Layouts.copyTree(run.cache, cache);
    List<String> layered = IndexRun.layerDigests(run.image(Fixtures.oci("layered")));
    // One entry's catalog cut short, another's summary gone.
    Path truncated = findCacheFile(cache, layered.get(0), "files.jsonl.gz");
    byte[] bytes = Files.readAllBytes(truncated);
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    Files.delete(findCacheFile(cache, layered.get(2), "summary.json"));

    IndexRun again = IndexRun.run(tmp.resolve("out"), cache,
        List.of(Fixtures.images(), Fixtures.layeredDockerArchive(), Fixtures.smallOciDockerArchive()));
    assertEquals(0, again.result.exit(), again.result::toString);
    JsonNode layers = again.report().get("layers");
    assertEquals(2, layers.get("cacheEntriesRebuilt").asLong(), layers.toString());
    assertEquals(2, layers.get("decompressed").asLong(), layers.toString());
    assertEquals(run.layers().size() - 2, layers.get("fromCache").asLong(), layers.toString());
    assertSameCatalog(run.out, again.out);
    // The rebuilt entries are whole again.
    assertEquals(Jsonl.lines(findCacheFile(run.cache, layered.get(0), "files.jsonl.gz")), Jsonl.lines(truncated));
    assertTrue(Files.exists(findCacheFile(cache, layered.get(2), "summary.json")));
    assertNoTempFiles(tmp);
  }

  /** The cache entry file for a layer, wherever the cache keeps it (its path names the digest's hex). */
  private static Path findCacheFile(Path cache, String digest, String name) throws IOException {
    try (Stream<Path> s = Files.walk(cache)) {
      List<Path> found = s.filter(p -> p.getFileName().toString().equals(name)
          && p.getParent().getFileName().toString().equals(IndexRun.hex(digest))).toList();
      assertEquals(1, found.size(), () -> name + " of " + digest + " under " + cache + ": " + found);
      return found.get(0);
    }
  }

  /** Two catalogs hold the same records (JSON Lines files compared as sets of lines, the rest byte for byte). */
  static void assertSameCatalog(Path expected, Path actual) throws IOException {
    Map<String, Path> e = catalogFiles(expected);
    Map<String, Path> a = catalogFiles(actual);
    assertEquals(e.keySet(), a.keySet());
    for (String rel : e.keySet()) {
      if (rel.equals("images.jsonl") || rel.equals("layers.jsonl")) {
        assertEquals(new TreeSet<>(Jsonl.lines(e.get(rel))), new TreeSet<>(Jsonl.lines(a.get(rel))), rel);
        assertEquals(Jsonl.lines(e.get(rel)).size(), Jsonl.lines(a.get(rel)).size(), rel);
      } else if (rel.endsWith(".gz")) {
        assertEquals(Jsonl.lines(e.get(rel)), Jsonl.lines(a.get(rel)), rel);
      } else if (rel.equals("run.json")) {
        // the same run but for when it ended
        ObjectNode expectedRun = (ObjectNode) Jsonl.readDocument(e.get(rel));
        ObjectNode actualRun = (ObjectNode) Jsonl.readDocument(a.get(rel));
        expectedRun.remove("date");
        actualRun.remove("date");
        assertEquals(expectedRun, actualRun, rel);
      } else {
        assertEquals(Files.readString(e.get(rel)), Files.readString(a.get(rel)), rel);
      }
    }
  }

  private static Map<String, Path> catalogFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).collect(Collectors.toMap(p -> root.relativize(p).toString(), p -> p, (x, y) -> x, TreeMap::new));
    }
  }

  /** No temporary file or directory (ours or Beam's) is left anywhere under {@code root}. */
  static void assertNoTempFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      List<String> temps = s.map(p -> root.relativize(p).toString())
          .filter(p -> {
            String name = p.substring(p.lastIndexOf('/') + 1);
            return name.endsWith(".tmp") || name.startsWith(".tmp") || name.startsWith(".temp") || name.startsWith(".outcomes-");
          })
          .toList();
      assertEquals(List.of(), temps, "temporary files left under " + root);
    }
  }

  // ---------------------------------------------------------------- bad input

  static Stream<Arguments> badLayouts() {
    return Stream.of(
        Arguments.of("missing-blob", true, List.of("is missing")),
        Arguments.of("wrong-digest", true, List.of("digest mismatch")),
        Arguments.of("truncated", true, List.of("truncated")),
        Arguments.of("bad-diffid", true, List.of("diffID mismatch")),
        Arguments.of("corrupt-gzip", true, List.of("corrupt gzip")),
        Arguments.of("gzip-trailing-garbage", true, List.of("corrupt gzip stream: 16 bytes that are not a gzip member "
            + "follow the last member, at byte offset 364 (they start 74 72 61 69 6c 69 6e 67)")),
        Arguments.of("bad-tar", true, List.of("broken tar")),
        Arguments.of("unknown-mediatype", true, List.of("unknown layer media type", "application/x-unknown")),
        Arguments.of("malformed-index", false, List.of("index.json", "malformed JSON")),
        Arguments.of("malformed-manifest", false, List.of("manifest", "malformed JSON")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badLayouts")
  void badInputFailsTheImageAndLeavesNothingBehind(String name, boolean layerFault, List<String> what, @TempDir Path tmp) throws IOException {
    String ref = Fixtures.bad(name) + ":small";
    // The layer at fault is layer 0 of the layout's small (known only when the manifest is readable).
    Optional<String> layer = Optional.empty();
    if (layerFault) {
      ImageReference r = ImageReference.parse(ref);
      try (ImageSource source = ImageSources.open(r)) {
        layer = Optional.of(source.resolve(r, Optional.empty()).images().get(0).manifest().layers().get(0).digest().toString());
      }
    }
    IndexRun bad = IndexRun.run(tmp.resolve("out"), tmp.resolve("cache"), List.of(ref));
    assertEquals(1, bad.result.exit(), bad.result::toString);

    JsonNode report = bad.report();
    assertEquals("some images failed", report.get("status").asText());
    assertEquals(1, report.get("images").size(), report.toString());
    JsonNode outcome = report.get("images").get(0);
    assertEquals("failed", outcome.get("status").asText());
    String error = outcome.get("error").asText();
    String failedLine = bad.result.err().lines().filter(l -> l.startsWith("failed: ")).findFirst().orElse("");
    assertEquals("failed: " + error, failedLine, bad.result::toString);
    assertTrue(error.contains("bad/" + name), "names the image: " + error);
    if (layerFault) {
      assertTrue(error.contains(ref), "names the image: " + error);
      assertTrue(error.contains(layer.get()), "names the layer: " + error);
    }
    for (String w : what) {
      assertTrue(error.contains(w), "says \"" + w + "\": " + error);
    }

    assertEquals(List.of(), bad.images(), "no images.jsonl record for a failed image");
    Path merged = bad.out.resolve("merged");
    if (Files.exists(merged)) {
      try (Stream<Path> s = Files.walk(merged)) {
        assertEquals(List.of(), s.filter(Files::isRegularFile).toList(), "no merged view of a failed image");
      }
    }
    if (layer.isPresent() && !name.equals("bad-diffid")) {
      // The broken layer has no cache entry and no catalog; bad-diffid's layer is intact (its config is wrong).
      String hex = IndexRun.hex(layer.get());
      try (Stream<Path> s = Stream.concat(Files.walk(bad.cache), Files.walk(bad.out))) {
        assertEquals(List.of(), s.filter(p -> p.toString().contains(hex)).toList(), "cache entry or catalog of the broken layer");
      }
      assertFalse(bad.layersByDigest().containsKey(layer.get()));
    }
    assertNoTempFiles(tmp);
  }

  @Test
  void aBrokenImageDoesNotStopTheOthers(@TempDir Path tmp) throws IOException {
    IndexRun two = IndexRun.run(tmp.resolve("out"), tmp.resolve("cache"), List.of(Fixtures.bad("two-images")));
    assertEquals(1, two.result.exit(), two.result::toString);
    List<JsonNode> images = two.images();
    assertEquals(1, images.size(), images.toString());
    assertEquals(Fixtures.bad("two-images") + ":good", images.get(0).get("ref").asText());
    JsonNode small = run.image(Fixtures.oci("small"));
    assertEquals(small.get("digest").asText(), images.get(0).get("digest").asText(), "good is an intact copy of small");
    assertEquals(run.merged(small.get("digest").asText()), two.merged(images.get(0).get("digest").asText()));

    Map<String, JsonNode> outcomes = new TreeMap<>();
    two.report().get("images").forEach(n -> outcomes.put(n.get("image").asText(), n));
    assertEquals(Set.of(Fixtures.bad("two-images") + ":good", Fixtures.bad("two-images") + ":broken"), outcomes.keySet());
    assertEquals("indexed", outcomes.get(Fixtures.bad("two-images") + ":good").get("status").asText());
    JsonNode broken = outcomes.get(Fixtures.bad("two-images") + ":broken");
    assertEquals("failed", broken.get("status").asText());
    String error = broken.get("error").asText();
    assertTrue(error.contains(":broken") && error.contains("is missing") && error.contains(broken.get("layers").get(0).asText()), error);
    assertTrue(two.result.err().contains("failed: " + error), two.result::toString);
    assertFalse(Files.exists(two.mergedPath(broken.get("digest").asText())));
    assertNoTempFiles(tmp);
  }

  // ---------------------------------------------------------------- usage

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of("no REF", List.of("index", "--out", "OUT"), "at least one REF"),
        Arguments.of("no --out", List.of("index", Fixtures.oci("small")), "--out"),
        Arguments.of("bad reference", List.of("index", "foo:bar", "--out", "OUT"), "foo:bar"),
        Arguments.of("bad platform", List.of("index", Fixtures.oci("multi"), "--out", "OUT", "--platform", "linux"), "--platform"),
        Arguments.of("bad platform 2", List.of("index", Fixtures.oci("multi"), "--out", "OUT", "--platform", "a/b/c/d"), "--platform"),
        Arguments.of("unknown Beam option", List.of("index", Fixtures.oci("small"), "--out", "OUT", "--noSuchOption=1"), "noSuchOption"),
        Arguments.of("--out without value", List.of("index", Fixtures.oci("small"), "--out"), "--out"),
        Arguments.of("unknown command", List.of("frobnicate", Fixtures.oci("small")), "frobnicate"),
        Arguments.of("inspect without REF", List.of("inspect"), "REF"),
        Arguments.of("no command", List.of(), "usage:"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("usageErrors")
  void badUsageExits2(String what, List<String> argv, String mentioned, @TempDir Path tmp) {
    Path out = tmp.resolve("out");
    List<String> args = new ArrayList<>();
    argv.forEach(a -> args.add(a.equals("OUT") ? out.toString() : a));
    Cli.Result r = Cli.run(args);
    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains(mentioned), r::toString);
    assertTrue(r.err().contains("usage: layerfs"), r::toString);
    assertFalse(Files.exists(out), "nothing written on bad usage");
  }

  @Test
  void inspectMultiPlatformImage() {
    List<JsonNode> multi = run.imagesWithRef(Fixtures.oci("multi"));
    Map<String, JsonNode> layers = run.layersByDigest();
    Cli.Result text = Cli.run("inspect", Fixtures.oci("multi"));
    assertEquals(0, text.exit(), text::toString);
    assertTrue(text.out().contains("linux/amd64") && text.out().contains("linux/arm64/v8"), text.out());
    for (JsonNode image : multi) {
      assertTrue(text.out().contains(image.get("digest").asText()), text.out());
      assertTrue(text.out().contains(image.get("layers").get(0).asText()), text.out());
    }

    Cli.Result json = Cli.run("inspect", Fixtures.oci("multi"), "--json");
    assertEquals(0, json.exit(), json::toString);
    JsonNode doc = Jsonl.parse(json.out());
    assertTrue(doc.isArray(), json.out());
    assertEquals(2, doc.size(), json.out());
    Map<String, String> platformByDigest = new TreeMap<>();
    multi.forEach(i -> platformByDigest.put(i.get("digest").asText(), i.get("platform").asText()));
    Map<String, String> got = new TreeMap<>();
    for (JsonNode image : doc) {
      got.put(image.get("digest").asText(), image.get("platform").asText());
      assertEquals(Fixtures.oci("multi"), image.get("ref").asText());
      assertTrue(DIGEST.matcher(image.path("index").asText()).matches(), image.toString());
      assertEquals(1, image.get("layers").size());
      JsonNode l = image.get("layers").get(0);
      JsonNode indexed = layers.get(l.get("digest").asText());
      assertEquals(indexed.get("size").asLong(), l.get("size").asLong());
      assertEquals(indexed.get("mediaType").asText(), l.get("mediaType").asText());
      assertEquals(indexed.get("diffID").asText(), l.get("diffID").asText());
    }
    assertEquals(platformByDigest, got);

    Cli.Result one = Cli.run("inspect", Fixtures.oci("multi"), "--json", "--platform", "linux/arm64");
    assertEquals(0, one.exit(), one::toString);
    assertEquals(1, Jsonl.parse(one.out()).size(), one.out());
  }
}
