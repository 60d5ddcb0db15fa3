package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Trees;
import org.layerfs.transforms.unpack.SafeTree;

/**
 * Every shape of testdata/shapes (real layers as GNU tar, Python's tarfile, zstd, pigz and
 * eStargz writers make them; see testdata/README.md): {@code layerfs unpack} must write the tree
 * {@code umoci unpack} writes, or, where umoci is wrong, the one GNU {@code tar -xp} writes (the
 * tie-breaker, for one-layer shapes; neither tool's {@code .wh.} names count, see
 * {@link #specified}); where both refuse the image, layerfs must refuse it too.
 * Trees are compared by raw names, xattr bytes, modes, owners (as root), the root directory,
 * sizes and content hashes. And {@code layerfs index}'s catalog must agree, entry by entry, with
 * Python's tarfile on path bytes, type, size, sha256, uid, gid, mtime, user and group name bytes
 * and xattr name and value bytes.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ShapesOracleTest {
  @TempDir static Path tmp;
  static Path layout;
  static boolean root;
  static IndexRun index;
  /** When the test began: later times in a tree are the extractor's clock. */
  static long started;

  @BeforeAll
  static void setUp() throws IOException {
    Stream.of("umoci", "tar", "python3", "zstd", "gzip", "sh").forEach(Tools::require);
    root = SafeTree.runningAsRoot();
    started = System.currentTimeMillis() / 1000;
    // umoci takes a lock in the layout it reads: give it a writable copy.
    layout = tmp.resolve("shapes");
    Trees.copy(TestData.shapes(), layout);
    index = IndexRun.run(tmp.resolve("index"), tmp.resolve("cache"), List.of("oci:" + layout));
  }

  static List<String> shapes() throws IOException {
    return OciLayout.open(TestData.shapes()).index().manifests().stream().map(d -> d.refName().orElseThrow()).toList();
  }

  private static ResolvedImage image(String tag) throws IOException {
    return OciLayout.open(layout).resolve(ImageReference.parse(ref(tag)), Optional.empty()).images().get(0);
  }

  private static String ref(String tag) {
    return "oci:" + layout + ":" + tag;
  }

  /** A tree one extractor made, or its failure. */
  record Outcome(String who, Optional<TreeManifest> tree, String log) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void unpackEqualsUmociOrTar(String tag) throws Exception {
    Path dir = tmp.resolve("layerfs-" + tag);
    Cli.Result r = Cli.run("unpack", ref(tag), dir.toString(), "--cache-dir", tmp.resolve("unpack-cache").toString());
    Outcome layerfs = new Outcome("layerfs", r.exit() == 0 ? Optional.of(manifest(dir)) : Optional.empty(), r.toString());
    Outcome umoci = umoci(tag);
    Optional<Outcome> tar = image(tag).manifest().layers().size() == 1 ? Optional.of(gnuTar(tag)) : Optional.empty();
    if (umoci.tree().isEmpty() && tar.flatMap(Outcome::tree).isEmpty()) {
      assertNotEquals(0, r.exit(), () -> tag + ": umoci and GNU tar refuse this image, layerfs unpacked it:\n" + umoci.log()
          + tar.map(Outcome::log).orElse(""));
      assertTrue(r.err().contains(tag), () -> tag + ": the refusal names the image:\n" + r);
      return;
    }
    assertTrue(layerfs.tree().isPresent(), () -> tag + ": layerfs failed where umoci or GNU tar did not:\n" + r);
    List<String> fromUmoci =
        umoci.tree().map(t -> t.differences(extractorTimes(layerfs.tree().get(), t), "umoci", "layerfs")).orElse(null);
    if (fromUmoci != null && fromUmoci.isEmpty()) {
      return;
    }
    List<String> fromTar =
        tar.flatMap(Outcome::tree).map(t -> t.differences(extractorTimes(layerfs.tree().get(), t), "tar", "layerfs")).orElse(null);
    if (fromTar != null && fromTar.isEmpty()) {
      return; // umoci is wrong (or refuses) here; GNU tar, the tie-breaker, agrees with layerfs
    }
    fail(tag + ": layerfs unpack differs from "
        + (fromUmoci == null ? "umoci, which refuses it: " + umoci.log()
            : "umoci unpack in " + fromUmoci.size() + " places:\n" + String.join("\n", fromUmoci))
        + (fromTar == null ? "\n(no GNU tar tie-breaker: " + tar.map(Outcome::log).orElse("more than one layer") + ")"
            : "\nand from GNU tar -xp in " + fromTar.size() + " places:\n" + String.join("\n", fromTar)));
  }

  /**
   * {@code layerfs} with the mtime of each directory the oracle dated by its own clock
   * ({@code @extracted}: a directory no tar entry describes) read the same way: layerfs gives such
   * a directory the time of the first entry under it, so that two unpacks are identical.
   */
  private static TreeManifest extractorTimes(TreeManifest layerfs, TreeManifest oracle) {
    Map<String, String> nodes = new TreeMap<>(layerfs.nodes());
    oracle.nodes().forEach((path, node) -> {
      if (node.startsWith("dir ") && node.contains(" @extracted")) {
        nodes.computeIfPresent(path, (k, n) -> n.startsWith("dir ") ? n.replaceFirst(" @-?[0-9]+", " @extracted") : n);
      }
    });
    return new TreeManifest(nodes, layerfs.hardlinkGroups());
  }

  private static TreeManifest manifest(Path dir) throws IOException, InterruptedException {
    return TreeManifest.ofRawNames(dir, root, started);
  }

  /**
   * {@code tree} without the paths through a {@code .wh.} name. The image spec says no such name
   * is ever created; umoci creates aufs's {@code .wh..wh.plnk/}, GNU tar every one of them. Left
   * in layerfs's own tree, so that one there is a difference.
   */
  private static TreeManifest specified(TreeManifest tree) {
    Predicate<String> created = p -> Stream.of(p.split("/")).noneMatch(c -> c.startsWith(".wh."));
    Map<String, String> nodes = new TreeMap<>(tree.nodes());
    nodes.keySet().removeIf(created.negate());
    Set<String> groups = new TreeSet<>();
    for (String g : tree.hardlinkGroups()) {
      List<String> kept = Stream.of(g.split(" = ")).filter(created).toList();
      if (kept.size() > 1) {
        groups.add(String.join(" = ", kept));
      }
    }
    return new TreeManifest(nodes, groups);
  }

  private static Outcome umoci(String tag) throws IOException, InterruptedException {
    Path bundle = tmp.resolve("umoci-" + tag);
    List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
    if (!root) {
      cmd.add("--rootless");
    }
    // umoci 0.4 refuses tar+zstd layers: zstd-skippable holds exactly the tar of the "streams" shape.
    String image = tag.equals("zstd-skippable") ? "streams" : tag;
    cmd.addAll(List.of("--image", layout + ":" + image, bundle.toString()));
    return extract("umoci", cmd, bundle.resolve("rootfs"));
  }

  /** GNU tar -xp of the (one) layer, decompressed by the tool for its compression. */
  private static Outcome gnuTar(String tag) throws IOException, InterruptedException {
    Descriptor layer = image(tag).manifest().layers().get(0);
    Path blob = OciLayout.open(layout).blobPath(layer.digest());
    String decompress = layer.mediaType().endsWith("+zstd") ? "zstd -dc" : layer.mediaType().endsWith("+gzip") ? "gzip -dc" : "cat";
    Path dir = tmp.resolve("tar-" + tag);
    Files.createDirectories(dir);
    String owners = root ? "--same-owner --numeric-owner" : "--no-same-owner";
    return extract("GNU tar", List.of("sh", "-c", decompress + " \"$1\" | tar -xp " + owners
        + " --xattrs --xattrs-include='*' -C \"$2\" -f -", "sh", blob.toString(), dir.toString()), dir);
  }

  private static Outcome extract(String who, List<String> cmd, Path tree) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    String what = who + " (" + String.join(" ", cmd) + ", exit " + p.exitValue() + "):\n" + log;
    return new Outcome(who, p.exitValue() == 0 ? Optional.of(specified(manifest(tree))) : Optional.empty(), what);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void catalogEqualsPythonTarfile(String tag) throws Exception {
    ResolvedImage image = image(tag);
    for (Descriptor layer : image.manifest().layers()) {
      Path blob = OciLayout.open(layout).blobPath(layer.digest());
      JsonNode expected = new ObjectMapper().readTree(TreeManifest.run(
          List.of("python3", TreeManifest.oracleScript().toString(), "list", blob.toString(), layer.mediaType())));
      Path catalog = index.filesPath(layer.digest().toString());
      assertTrue(Files.exists(catalog), () -> tag + ": no catalog for layer " + layer.digest() + "\n" + index.result);
      List<JsonNode> files = index.files(layer.digest().toString());
      List<String> want = new ArrayList<>();
      expected.forEach(e -> want.add(describe(e, "path", "linkTarget")));
      List<String> got = files.stream().map(e -> describe(e, "pathBase64", "linkTargetBase64")).toList();
      assertEquals(String.join("\n", want), String.join("\n", got), tag + " layer " + layer.digest() + ": tarfile (expected) vs catalog");
    }
  }

  /**
   * One entry as both sides can state it. Python gives names base64-encoded; the catalog gives
   * the text, plus a base64 field when the bytes are not UTF-8.
   */
  private static String describe(JsonNode e, String pathField, String targetField) {
    boolean python = pathField.equals("path");
    String path = python ? bytes(e.get("path").asText()) : raw(e, "path", pathField);
    String type = e.get("type").asText();
    StringBuilder s = new StringBuilder(path).append(' ').append(type).append(' ').append(e.get("mode").asText())
        .append(' ').append(e.get("uid").asLong()).append(':').append(e.get("gid").asLong()).append(" @").append(e.get("mtime").asLong());
    if (e.has("sha256")) {
      s.append(' ').append(e.get("size").asLong()).append(' ').append(e.get("sha256").asText());
    }
    if (type.equals("symlink") || type.equals("hardlink")) {
      s.append(" -> ").append(python ? bytes(e.get("linkTarget").asText()) : raw(e, "linkTarget", targetField));
    }
    for (String owner : List.of("user", "group")) {
      s.append(' ').append(owner).append('=');
      if (python) {
        s.append(bytes(e.get(owner).asText()));
      } else if (e.has(owner)) {
        s.append(raw(e, owner, owner + "Base64"));
      }
    }
    s.append(" xattrs:").append(String.join(",", python ? pythonXattrs(e) : catalogXattrs(e)));
    return s.toString();
  }

  /** {@code name=value}, both as bytes, sorted: tarfile's SCHILY.xattr records. */
  private static List<String> pythonXattrs(JsonNode e) {
    List<String> out = new ArrayList<>();
    e.get("xattrs").forEach(x -> out.add(bytes(x.get(0).asText()) + "=" + bytes(x.get(1).asText())));
    return out.stream().sorted().toList();
  }

  /** The same from the catalog's three xattr fields. */
  private static List<String> catalogXattrs(JsonNode e) {
    List<String> out = new ArrayList<>();
    e.path("xattrs").fields().forEachRemaining(x -> out.add(utf8(x.getKey()) + "=" + utf8(x.getValue().asText())));
    e.path("xattrsBase64").fields().forEachRemaining(x -> out.add(utf8(x.getKey()) + "=" + bytes(x.getValue().asText())));
    e.path("xattrsByNameBase64").fields().forEachRemaining(x -> out.add(bytes(x.getKey()) + "=" + bytes(x.getValue().asText())));
    return out.stream().sorted().toList();
  }

  private static String utf8(String text) {
    return escape(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String raw(JsonNode e, String text, String base64) {
    return e.has(base64) ? bytes(e.get(base64).asText()) : utf8(e.get(text).asText());
  }

  private static String bytes(String base64) {
    return escape(Base64.getDecoder().decode(base64));
  }

  /** Printable ASCII as is, every other byte as \xNN: equal strings, equal bytes. */
  private static String escape(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(x >= 0x21 && x < 0x7f && x != '\\' ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
    }
    return s.toString();
  }
}
