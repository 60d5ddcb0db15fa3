package org.layerfs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.layerfs.io.testing.TestData;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;
import org.layerfs.pipeline.testing.Layouts;

/**
 * The oracle for the merged view: {@code umoci unpack} of a fixture image, walked on disk, must be
 * exactly the tree {@code layerfs index} says the image holds (paths, types, modes with the
 * setuid/setgid/sticky bits, owners, sizes and sha256 of files, symlink targets, mtimes, user
 * xattrs; hardlinks as files sharing their target's inode). Skipped when umoci is not installed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UmociOracleTest {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private static final int S_IFMT = 0170000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  @TempDir static Path tmp;
  static Path layout;
  static boolean root;
  static IndexRun run;

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    Tools.require("umoci");
    root = "0".equals(exec(List.of("id", "-u")).trim());
    // umoci takes a lock in the layout it reads: give it a writable copy.
    layout = tmp.resolve("layout");
    Layouts.copyTree(TestData.images(), layout);
    run = Fixtures.shared();
  }

  /** One entry of a tree manifest. Sizes and digests for files only; owners -1 when not compared. */
  record Node(String type, String mode, long uid, long gid, long size, String sha256, String target, long mtime, Map<String, String> xattrs) {
    @Override
    public String toString() {
      return type + " " + mode + " " + uid + ":" + gid + (type.equals("file") ? " " + size + " " + sha256 : "")
          + (target == null ? "" : " -> " + target) + " @" + mtime + (xattrs.isEmpty() ? "" : " " + xattrs);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"small", "layered", "layered-zstd", "uncompressed"})
  void mergedViewEqualsUmociUnpack(String tag) throws Exception {
    JsonNode image = run.image(Fixtures.oci(tag));
    Path rootfs;
    try {
      rootfs = unpack(tag);
    } catch (AssertionError e) {
      // umoci before 0.5 (Debian's 0.4.7) refuses tar+zstd layers. The unpacked tree depends only on
      // the uncompressed layers, so the oracle is then umoci's tree of the gzip image with the same
      // diffIDs (layered-zstd is layered recompressed).
      if (!tag.endsWith("-zstd") || !e.getMessage().contains("not correct mediatype")) {
        throw e;
      }
      String gzipTag = tag.substring(0, tag.length() - "-zstd".length());
      assertEquals(diffIds(gzipTag), diffIds(tag), "same uncompressed layers as " + gzipTag);
      rootfs = unpack(gzipTag);
    }
    boolean xattrs = root && Files.getFileStore(rootfs).supportsFileAttributeView(UserDefinedFileAttributeView.class);

    Map<String, JsonNode> merged = run.mergedByPath(image.get("digest").asText());
    Map<String, Node> onDisk = walk(rootfs, xattrs, merged.containsKey(""));
    Map<String, Node> indexed = new TreeMap<>();
    merged.forEach((path, e) -> indexed.put(path, node(e, xattrs)));

    List<String> diffs = new ArrayList<>();
    for (String p : union(onDisk.keySet(), indexed.keySet())) {
      Node want = onDisk.get(p);
      Node got = indexed.get(p);
      if (!Objects.equals(want, got)) {
        diffs.add(p + "\n    umoci:   " + (want == null ? "absent" : want) + "\n    layerfs: " + (got == null ? "absent" : got));
      }
    }
    if (!diffs.isEmpty()) {
      fail(tag + ": layerfs's merged view differs from umoci unpack in " + diffs.size() + " paths:\n" + String.join("\n", diffs));
    }
    assertFalse(onDisk.isEmpty());

    // Hardlinks: on disk one inode with its target.
    for (JsonNode e : merged.values()) {
      if (e.get("type").asText().equals("hardlink")) {
        Path link = rootfs.resolve(e.get("path").asText());
        Path target = rootfs.resolve(e.get("linkTarget").asText());
        assertEquals(Files.getAttribute(target, "unix:ino", NOFOLLOW), Files.getAttribute(link, "unix:ino", NOFOLLOW), e.toString());
        assertTrue((int) Files.getAttribute(link, "unix:nlink", NOFOLLOW) >= 2, e.toString());
      }
    }
    if (tag.startsWith("layered")) {
      // The oracle itself applied the rules the fixture exercises.
      assertEquals("file", onDisk.get("replaced").type());
      assertTrue(onDisk.containsKey("opaque/new.txt") && !onDisk.containsKey("opaque/lower1.txt"));
      assertTrue(onDisk.containsKey("recreate/new.txt") && !onDisk.containsKey("recreate/old.txt"));
      assertFalse(onDisk.containsKey("olddir") || onDisk.containsKey("remove-me.txt"));
      assertEquals("4755", onDisk.get("bin/suid-tool").mode());
      assertEquals("fifo", onDisk.get("special/fifo").type());
      if (root) {
        assertEquals(1000, onDisk.get("home/user/owned.txt").uid());
      }
      if (xattrs) {
        assertEquals(Map.of("user.layerfs", "fixture"), onDisk.get("attrs/xattr.txt").xattrs());
      }
    }
  }

  /** {@code umoci unpack} of a tag of the layout copy (once per tag); returns the bundle's rootfs. */
  private static Path unpack(String tag) throws IOException, InterruptedException {
    Path bundle = tmp.resolve("bundle-" + tag);
    if (!Files.isDirectory(bundle.resolve("rootfs"))) {
      List<String> cmd = new ArrayList<>(List.of("umoci", "unpack"));
      if (!root) {
        cmd.add("--rootless");
      }
      cmd.addAll(List.of("--image", layout + ":" + tag, bundle.toString()));
      exec(cmd);
    }
    return bundle.resolve("rootfs");
  }

  private static List<String> diffIds(String tag) {
    Map<String, JsonNode> layers = run.layersByDigest();
    return IndexRun.layerDigests(run.image(Fixtures.oci(tag))).stream().map(d -> layers.get(d).get("diffID").asText()).toList();
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  /** A merged-view record as the node umoci's tree should hold; a hardlink is a file with its target's content. */
  private static Node node(JsonNode e, boolean xattrs) {
    String type = e.get("type").asText();
    boolean file = type.equals("file") || type.equals("hardlink");
    Map<String, String> x = new TreeMap<>();
    if (xattrs && (file || type.equals("dir"))) {
      e.path("xattrs").fields().forEachRemaining(f -> {
        if (f.getKey().startsWith("user.")) {
          x.put(f.getKey(), f.getValue().asText());
        }
      });
    }
    return new Node(
        file ? "file" : type,
        e.get("mode").asText(),
        root ? e.get("uid").asLong() : -1,
        root ? e.get("gid").asLong() : -1,
        file ? e.get("size").asLong() : 0,
        file ? e.get("sha256").asText() : null,
        type.equals("symlink") ? e.get("linkTarget").asText() : null,
        e.get("mtime").asLong(),
        x);
  }

  /**
   * The tree manifest of {@code rootfs}; the root itself is "" when the view has the root's own
   * entry ({@code ./}), and left out otherwise (then umoci makes it as it likes).
   */
  private static Map<String, Node> walk(Path rootfs, boolean xattrs, boolean withRoot) throws IOException {
    Map<String, Node> nodes = new TreeMap<>();
    try (Stream<Path> s = Files.walk(rootfs)) {
      for (Path p : s.toList()) {
        if (p.equals(rootfs) && !withRoot) {
          continue;
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:*", NOFOLLOW);
        int mode = (int) a.get("mode");
        String type;
        if (Files.isSymbolicLink(p)) {
          type = "symlink";
        } else if (Files.isDirectory(p, NOFOLLOW)) {
          type = "dir";
        } else if (Files.isRegularFile(p, NOFOLLOW)) {
          type = "file";
        } else {
          type = switch (mode & S_IFMT) {
            case S_IFIFO -> "fifo";
            case S_IFCHR -> "char";
            case S_IFBLK -> "block";
            default -> "unknown " + Integer.toOctalString(mode);
          };
        }
        boolean file = type.equals("file");
        Map<String, String> x = new TreeMap<>();
        if (xattrs && (type.equals("file") || type.equals("dir"))) { // opening a fifo to list its xattrs would block
          UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, NOFOLLOW);
          for (String name : view.list()) {
            ByteBuffer buf = ByteBuffer.allocate(view.size(name));
            view.read(name, buf);
            x.put("user." + name, new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
          }
        }
        nodes.put(
            rootfs.relativize(p).toString().replace(File.separatorChar, '/'),
            new Node(
                type,
                String.format("%04o", mode & 07777),
                root ? ((Number) a.get("uid")).longValue() : -1,
                root ? ((Number) a.get("gid")).longValue() : -1,
                file ? Files.size(p) : 0,
                file ? MoreFiles.asByteSource(p).hash(Hashing.sha256()).toString() : null,
                type.equals("symlink") ? Files.readSymbolicLink(p).toString() : null,
                ((FileTime) a.get("lastModifiedTime")).toMillis() / 1000,
                x));
      }
    }
    return nodes;
  }

  /** Runs a command; returns its output, fails the test when it exits non-zero. */
  static String exec(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ":\n" + text);
    return text;
  }
}
