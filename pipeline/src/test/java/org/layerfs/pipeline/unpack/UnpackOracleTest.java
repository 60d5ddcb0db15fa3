package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.layerfs.io.testing.TestData;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.transforms.unpack.SafeTree;

/**
 * The oracle for {@code layerfs unpack}: the tree it writes must equal, by tree manifest, the
 * rootfs {@code umoci unpack} writes for the same fixture image. Skipped without umoci.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnpackOracleTest {
  @TempDir static Path tmp;
  static Path layout;
  static boolean root;

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    Tools.require("umoci");
    root = SafeTree.runningAsRoot();
    // umoci takes a lock in the layout it reads: give it a writable copy.
    layout = tmp.resolve("layout");
    try (Stream<Path> s = Files.walk(TestData.images())) {
      for (Path p : s.toList()) {
        Path t = layout.resolve(TestData.images().relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"small", "layered", "layered-zstd", "uncompressed"})
  void unpackEqualsUmociUnpack(String tag) throws Exception {
    Path dir = tmp.resolve("layerfs-" + tag);
    Cli.Result r = Cli.run("unpack", Fixtures.oci(tag), dir.toString(), "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("unpacked " + Fixtures.oci(tag) + " into " + dir), r.out());

    // umoci 0.4 refuses tar+zstd layers; layered-zstd has exactly the uncompressed layers of layered.
    Path rootfs = umociUnpack(tag.replace("-zstd", ""));
    boolean xattrs = root && Files.getFileStore(rootfs).supportsFileAttributeView(UserDefinedFileAttributeView.class);
    TreeManifest umoci = TreeManifest.of(rootfs, root, xattrs);
    TreeManifest layerfs = TreeManifest.of(dir, root, xattrs);
    List<String> diffs = umoci.differences(layerfs, "umoci", "layerfs");
    if (!diffs.isEmpty()) {
      fail(tag + ": layerfs unpack differs from umoci unpack in " + diffs.size() + " places:\n" + String.join("\n", diffs));
    }
    assertFalse(layerfs.nodes().isEmpty());
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().contains("layerfs-tmp")).toList(), "temporary trees left");
    }
    if (tag.startsWith("layered")) {
      assertEquals(List.of("special/hardlink-target.txt = special/hardlink.txt"), List.copyOf(layerfs.hardlinkGroups()));
      assertTrue(layerfs.nodes().get("bin/suid-tool").startsWith("file 4755"), layerfs.nodes().get("bin/suid-tool"));
      assertTrue(layerfs.nodes().get("shared").startsWith("dir 1777"), layerfs.nodes().get("shared"));
      assertTrue(layerfs.nodes().get("special/fifo").startsWith("fifo 0644"), layerfs.nodes().get("special/fifo"));
      if (xattrs) {
        assertTrue(layerfs.nodes().get("attrs/xattr.txt").endsWith(" user.layerfs=fixture"), layerfs.nodes().get("attrs/xattr.txt"));
      }
    }
  }

  private static Path umociUnpack(String tag) throws IOException, InterruptedException {
    Path bundle = tmp.resolve("umoci-" + tag);
    if (!Files.isDirectory(bundle.resolve("rootfs"))) {
      List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
      if (!root) {
        cmd.add("--rootless");
      }
      cmd.addAll(List.of("--image", layout + ":" + tag, bundle.toString()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
      assertEquals(0, p.exitValue(), () -> cmd + ":\n" + out);
    }
    return bundle.resolve("rootfs");
  }
}
