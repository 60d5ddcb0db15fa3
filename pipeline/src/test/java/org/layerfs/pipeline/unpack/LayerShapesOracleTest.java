package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.layerfs.pipeline.unpack.LayerShapes.MTIME;
import static org.layerfs.pipeline.unpack.LayerShapes.dir;
import static org.layerfs.pipeline.unpack.LayerShapes.file;
import static org.layerfs.pipeline.unpack.LayerShapes.gnuTar;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.hash.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Jsonl;
import org.layerfs.transforms.unpack.SafeTree;

/**
 * The unpack oracle on layers shaped as real tools write them: each image is unpacked by
 * {@code layerfs unpack} and {@code umoci unpack} and the trees compared by tree manifest (the
 * root included); where umoci is wrong, GNU {@code tar -xp} decides. Needs umoci and GNU tar.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LayerShapesOracleTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path tmp;
  static boolean root;

  @BeforeAll
  static void tools() {
    Tools.require("umoci");
    Tools.require("tar");
    root = SafeTree.runningAsRoot();
  }

  @Test
  void fileWhoseFirstNameALaterLayerWhitesOutSurvivesAtItsOtherNames() throws Exception {
    Path l1 = dir(tmp, "l1");
    Path a = file(l1, "a", "content");
    Files.setAttribute(a, "unix:mode", 0640);
    Files.createLink(l1.resolve("b"), a);
    Files.createLink(l1.resolve("c"), a);
    Path l2 = dir(tmp, "l2");
    file(l2, ".wh.a", "");

    TreeManifest t = assertUnpacksAsUmoci("whiteout", Set.of(), gnuTar(l1, List.of(), "a", "b", "c"), gnuTar(l2, List.of(), ".wh.a"));
    assertFalse(t.nodes().containsKey("a"));
    assertTrue(t.nodes().get("b").startsWith("file 0640"), t.nodes().get("b"));
    assertEquals(Set.of("b = c"), t.hardlinkGroups());
  }

  @Test
  void fileWhoseFirstNameAnOpaqueDirectoryHidesSurvivesAtItsOtherName() throws Exception {
    Path l1 = dir(tmp, "l1");
    Path a = file(l1, "d/a", "content");
    Files.createLink(l1.resolve("kept"), a);
    Path l2 = dir(tmp, "l2");
    file(l2, "d/.wh..wh..opq", "");
    file(l2, "d/new", "n");

    TreeManifest t = assertUnpacksAsUmoci("opaque", Set.of(),
        gnuTar(l1, List.of(), "d", "kept"), gnuTar(l2, List.of(), "d"));
    assertFalse(t.nodes().containsKey("d/a"));
    assertTrue(t.nodes().get("kept").contains(" 7 " + Hashing.sha256().hashString("content", StandardCharsets.UTF_8)),
        t.nodes().get("kept"));
  }

  @Test
  void pathAppendedTwiceIsTheLastOneAndALinkToTheFirstKeepsItsContent() throws Exception {
    Path l1 = dir(tmp, "l1");
    Path a = file(l1, "a", "first, and longer");
    Files.createLink(l1.resolve("b"), a);
    Path tar = tmp.resolve("layer.tar");
    Files.write(tar, gnuTar(l1, List.of(), "a", "b"));
    Files.delete(l1.resolve("a"));
    file(l1, "a", "last");

    TreeManifest t = assertUnpacksAsUmoci("append", Set.of(), LayerShapes.gnuTarAppend(tar, l1, "a"));
    assertTrue(t.nodes().get("a").contains(" 4 "), t.nodes().get("a"));
    assertTrue(t.nodes().get("b").contains(" 17 "), t.nodes().get("b"));
    assertEquals(Set.of(), t.hardlinkGroups());
  }

  @Test
  void aufsMetadataIsNeverCreated() throws Exception {
    Path l1 = dir(tmp, "l1");
    file(l1, ".wh..wh.aufs", "");
    dir(l1, ".wh..wh.orph");
    file(l1, ".wh..wh.plnk/123.456", "x");
    file(l1, "kept", "y");

    // umoci takes only a last component ".wh.*" for a whiteout and creates what is under one; the
    // image spec says no ".wh." name is ever created: only that is left out of the comparison.
    Set<String> umociOnly = Set.of(".wh..wh.plnk", ".wh..wh.plnk/123.456");
    TreeManifest t = assertUnpacksAsUmoci("aufs", Set.of(), umociOnly,
        gnuTar(l1, List.of(), ".wh..wh.aufs", ".wh..wh.orph", ".wh..wh.plnk", "kept"));
    assertEquals(Set.of(".", "kept"), t.nodes().keySet());
  }

  @Test
  void rootEntryIsAppliedToTheDirectory() throws Exception {
    Path rootfs = Files.createTempDirectory(tmp, "rootfs"); // 0700, as mktemp -d makes it
    file(rootfs, "f", "x");
    Files.setLastModifiedTime(rootfs, FileTime.from(MTIME, TimeUnit.SECONDS));

    Path out = tmp.resolve("root-layerfs");
    TreeManifest t = assertUnpacksAsUmoci("root", Set.of(), gnuTar(rootfs, List.of("--owner=:1000", "--group=:1000"), "."));
    assertTrue(t.nodes().get(".").startsWith("dir 0700" + (root ? " 1000:1000" : "")), t.nodes().get("."));
    assertEquals(MTIME, Files.getLastModifiedTime(out, NOFOLLOW).toMillis() / 1000);
  }

  @Test
  void directoriesWithoutEntriesAreMadeAndListedInTheMergedView() throws Exception {
    byte[] layer = LayerShapes.fileWithoutDirectories("deep/er/f", MTIME);
    // umoci gives such a directory the time of the extraction; layerfs the time of the entry that needed it.
    TreeManifest t = assertUnpacksAsUmoci("implied", Set.of("deep", "deep/er"), layer);
    assertTrue(t.nodes().get("deep/er").startsWith("dir 0755"), t.nodes().get("deep/er"));
    Path out = tmp.resolve("implied-layerfs");
    assertEquals(MTIME, Files.getLastModifiedTime(out.resolve("deep/er"), NOFOLLOW).toMillis() / 1000);

    IndexRun index = IndexRun.run(tmp.resolve("index"), tmp.resolve("cache"), List.of("oci:" + tmp.resolve("implied") + ":img"));
    assertEquals(0, index.result.exit(), index.result::toString);
    Map<String, JsonNode> view = index.mergedByPath(index.image("oci:" + tmp.resolve("implied") + ":img").get("digest").asText());
    assertEquals(List.of("deep", "deep/er", "deep/er/f"), List.copyOf(view.keySet()));
    for (String d : List.of("deep", "deep/er")) {
      assertEquals("dir", view.get(d).get("type").asText());
      assertEquals("0755", view.get(d).get("mode").asText());
      assertEquals(MTIME, view.get(d).get("mtime").asLong());
    }
  }

  @Test
  void idsPastThirtyOneBitsAreAppliedWhole() throws Exception {
    Path l1 = dir(tmp, "l1");
    file(l1, "nobody", "x");
    TreeManifest t = assertUnpacksAsUmoci("ids", Set.of(),
        gnuTar(l1, List.of("--format=posix", "--owner=:4294967294", "--group=:2147483648"), "nobody"));
    if (root) {
      Path f = tmp.resolve("ids-layerfs/nobody");
      assertEquals(4294967294L, Integer.toUnsignedLong((int) Files.getAttribute(f, "unix:uid", NOFOLLOW)));
      assertEquals(2147483648L, Integer.toUnsignedLong((int) Files.getAttribute(f, "unix:gid", NOFOLLOW)));
    }
    assertTrue(t.nodes().containsKey("nobody"));

    Path rootless = tmp.resolve("ids-rootless");
    Cli.Result r = Cli.run("unpack", "oci:" + tmp.resolve("ids") + ":img", rootless.toString(), "--rootless",
        "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, r.exit(), r::toString);
    assertEquals(List.of("nobody 4294967294:2147483648"), Jsonl.read(UnpackJob.ownersFile(rootless)).stream()
        .map(n -> n.get("path").asText() + " " + n.get("uid").asText() + ":" + n.get("gid").asText()).toList());
  }

  @Test
  void hardlinkToANameLaterInTheTarIsRefusedAsUmociRefusesIt() throws Exception {
    byte[] layer = LayerShapes.linkBeforeItsTarget("early", "a");
    Path layout = HostileLayout.write(tmp.resolve("early"), "img", layer);

    Cli.Result r = Cli.run("unpack", "oci:" + layout + ":img", tmp.resolve("early-layerfs").toString(),
        "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("oci:" + layout + ":img: layer sha256:" + Hashing.sha256().hashBytes(layer)
        + ": entry \"early\": hardlink to \"a\", which comes later in its layer"), r.err());
    assertFalse(Files.exists(tmp.resolve("early-layerfs"), NOFOLLOW));

    assertNotEquals(0, umoci(layout, tmp.resolve("early-umoci")).exit, "umoci refuses it too");
    // GNU tar leaves the link out and says so.
    Path extracted = Files.createDirectory(tmp.resolve("early-tar"));
    Path tar = Files.write(tmp.resolve("early.tar"), layer);
    Process p = new ProcessBuilder("tar", "-xpf", tar.toString(), "-C", extracted.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertNotEquals(0, p.exitValue(), out);
    assertFalse(Files.exists(extracted.resolve("early"), NOFOLLOW));
  }

  /**
   * Unpacks the image of {@code layers} with both tools into {@code tmp/NAME-layerfs} and
   * {@code tmp/NAME-umoci}; fails on any difference (but the mtimes of {@code extractorTimes});
   * returns layerfs's tree.
   */
  private TreeManifest assertUnpacksAsUmoci(String name, Set<String> extractorTimes, byte[]... layers) throws Exception {
    return assertUnpacksAsUmoci(name, extractorTimes, Set.of(), layers);
  }

  /** As above, where umoci also creates {@code umociOnly}, which it must not. */
  private TreeManifest assertUnpacksAsUmoci(String name, Set<String> extractorTimes, Set<String> umociOnly, byte[]... layers)
      throws Exception {
    Path layout = HostileLayout.write(tmp.resolve(name), "img", layers);
    Path dir = tmp.resolve(name + "-layerfs");
    Cli.Result r = Cli.run("unpack", "oci:" + layout + ":img", dir.toString(), "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, r.exit(), r::toString);
    Umoci u = umoci(layout, tmp.resolve(name + "-umoci"));
    assertEquals(0, u.exit, u.output);
    TreeManifest layerfs = TreeManifest.of(dir, root, false).withoutMtimes(extractorTimes);
    TreeManifest umoci = TreeManifest.of(u.rootfs, root, false).withoutMtimes(extractorTimes);
    assertTrue(umoci.nodes().keySet().containsAll(umociOnly), umoci.nodes().keySet()::toString);
    umoci.nodes().keySet().removeAll(umociOnly);
    List<String> diffs = umoci.differences(layerfs, "umoci", "layerfs");
    if (!diffs.isEmpty()) {
      fail(name + ": layerfs unpack differs from umoci unpack in " + diffs.size() + " places:\n" + String.join("\n", diffs));
    }
    assertEquals(typesAndModes(layerfs), viewTypesAndModes(layout, name), name + ": the merged view lists the unpacked tree");
    return layerfs;
  }

  /** Path to type and mode of an unpacked tree ("." only when the image has the root's own entry: see the view's). */
  private static Map<String, String> typesAndModes(TreeManifest tree) {
    Map<String, String> out = new TreeMap<>();
    tree.nodes().forEach((p, n) -> out.put(p, n.split(" ")[0] + " " + n.split(" ")[1]));
    return out;
  }

  /** Path to type and mode of the merged view {@code layerfs index} writes; "" (the root's own entry) as ".". */
  private Map<String, String> viewTypesAndModes(Path layout, String name) {
    String ref = "oci:" + layout + ":img";
    IndexRun index = IndexRun.run(tmp.resolve(name + "-index"), tmp.resolve("cache"), List.of(ref));
    assertEquals(0, index.result.exit(), index.result::toString);
    Map<String, String> out = new TreeMap<>();
    index.mergedByPath(index.image(ref).get("digest").asText()).forEach((p, e) -> {
      String type = e.get("type").asText().equals("hardlink") ? "file" : e.get("type").asText();
      out.put(p.isEmpty() ? "." : p, type + " " + e.get("mode").asText());
    });
    out.putIfAbsent(".", "dir 0755"); // no root entry: the root unpack makes, as umoci makes it
    return out;
  }

  private record Umoci(int exit, String output, Path rootfs) {}

  private static Umoci umoci(Path layout, Path bundle) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
    if (!root) {
      cmd.add("--rootless");
    }
    cmd.addAll(List.of("--image", layout + ":img", bundle.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Umoci(p.exitValue(), cmd + ":\n" + out, bundle.resolve("rootfs"));
  }
}
