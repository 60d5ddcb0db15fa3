package org.layerfs.transforms.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.transforms.testing.TarBuilder;

/** What an unpack writes for the entries whose handling is subtle: hardlinks across layers, modes, times. */
class UnpackSemanticsTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path tree;

  private Object attr(String path, String name) throws IOException {
    return Files.getAttribute(tree.resolve(path), "unix:" + name, NOFOLLOW);
  }

  @Test
  void hardlinkToALowerLayerSharesItsInode() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().file("a", "lower").bytes())
        .layer(new TarBuilder().hardlink("b", "a").bytes())
        .into(tree);
    assertEquals(attr("a", "ino"), attr("b", "ino"));
    assertEquals("lower", Files.readString(tree.resolve("b")));
  }

  @Test
  void hardlinkWhoseTargetAHigherLayerReplacedKeepsItsOwnLayersContent() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().file("a", "old").hardlink("b", "a").hardlink("c", "a").bytes())
        .layer(new TarBuilder().file("a", "new").bytes())
        .into(tree);
    assertEquals("new", Files.readString(tree.resolve("a")));
    assertEquals("old", Files.readString(tree.resolve("b")));
    assertEquals(attr("b", "ino"), attr("c", "ino"));
    assertNotEquals(attr("a", "ino"), attr("b", "ino"));
  }

  @Test
  void modesOwnersAndTimesAreAppliedDirectoriesLast() throws IOException {
    new Unpacking()
        .layer(new TarBuilder()
            .mode(0555).mtime(1000).dir("ro")
            .mode(04755).mtime(2000).file("ro/suid", "x")
            .mode(01777).dir("tmp")
            .mtime(3000).symlink("ro/link", "/nowhere")
            .mode(0600).fifo("ro/fifo")
            .pax("SCHILY.xattr.user.k", "v").file("attrs", "y")
            .bytes())
        .into(tree);
    assertEquals(040555, attr("ro", "mode"));
    assertEquals(1000L, Files.getLastModifiedTime(tree.resolve("ro"), NOFOLLOW).toMillis() / 1000);
    assertEquals(0104755, attr("ro/suid", "mode"));
    assertEquals(2000L, Files.getLastModifiedTime(tree.resolve("ro/suid"), NOFOLLOW).toMillis() / 1000);
    assertEquals(041777, attr("tmp", "mode"));
    assertEquals(Path.of("/nowhere"), Files.readSymbolicLink(tree.resolve("ro/link")));
    assertEquals(3000L, Files.getLastModifiedTime(tree.resolve("ro/link"), NOFOLLOW).toMillis() / 1000);
    assertEquals(010600, attr("ro/fifo", "mode"));
    assertEquals("v", new String((byte[]) Files.getAttribute(tree.resolve("attrs"), "user:k"), UTF_8));
  }

  @Test
  void impliedDirectoriesAreMadeAndWhiteoutsNeverWritten() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().file("deep/er/f", "x").file("gone", "y").bytes())
        .layer(new TarBuilder().whiteout("gone").bytes())
        .into(tree);
    assertEquals(040755, attr("deep/er", "mode"));
    assertEquals("x", Files.readString(tree.resolve("deep/er/f")));
    assertFalse(Files.exists(tree.resolve("gone"), NOFOLLOW));
    assertFalse(Files.exists(tree.resolve(".wh.gone"), NOFOLLOW));
  }

  @Test
  void fileWhoseFirstNameIsWhitedOutIsWrittenAtItsOtherName() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().mode(0640).owner(1000, 1001).mtime(1234).file("a", "content").hardlink("b", "a").bytes())
        .layer(new TarBuilder().whiteout("a").bytes())
        .into(tree);
    assertFalse(Files.exists(tree.resolve("a"), NOFOLLOW));
    assertEquals("content", Files.readString(tree.resolve("b")));
    assertEquals(0100640, attr("b", "mode"));
    assertEquals(1000, attr("b", "uid"));
    assertEquals(1001, attr("b", "gid"));
    assertEquals(1234L, Files.getLastModifiedTime(tree.resolve("b"), NOFOLLOW).toMillis() / 1000);
    assertEquals(1, attr("b", "nlink"));
  }

  @Test
  void fileWhoseFirstNameAnOpaqueDirectoryHidesIsWrittenAtItsOtherName() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().dir("d").file("d/a", "content").hardlink("kept", "d/a").bytes())
        .layer(new TarBuilder().dir("d").opaque("d").file("d/new", "n").bytes())
        .into(tree);
    assertFalse(Files.exists(tree.resolve("d/a"), NOFOLLOW));
    assertEquals("content", Files.readString(tree.resolve("kept")));
    assertEquals("n", Files.readString(tree.resolve("d/new")));
  }

  @Test
  void chainOfThreeNamesStaysOneInodeWhenTheFirstIsRemoved() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().file("a", "content").hardlink("b", "a").hardlink("c", "a").bytes())
        .layer(new TarBuilder().whiteout("a").bytes())
        .into(tree);
    assertFalse(Files.exists(tree.resolve("a"), NOFOLLOW));
    assertEquals("content", Files.readString(tree.resolve("b")));
    assertEquals(attr("b", "ino"), attr("c", "ino"));
    assertEquals(2, attr("b", "nlink"));
  }

  /** Some modes are given at create (what the umask leaves whole), the others by chmod: each ends exact. */
  @Test
  void everyFileModeIsExactWhetherSetAtCreateOrAfter() throws IOException {
    int[] modes = {0644, 0755, 0600, 0640, 0700, 0666, 0777, 0444, 0400, 0200, 0000, 0664, 04755, 02755, 01644, 06777};
    TarBuilder layer = new TarBuilder();
    for (int mode : modes) {
      layer.mode(mode).file(Integer.toOctalString(mode), "x");
    }
    new Unpacking().layer(layer.bytes()).into(tree);
    for (int mode : modes) {
      assertEquals(Integer.toOctalString(0100000 | mode), Integer.toOctalString((int) attr(Integer.toOctalString(mode), "mode")));
    }
  }

  @Test
  void pathTwiceInOneLayerIsWrittenOnceFromItsLastOccurrence() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().mode(0600).file("a", "the first, longer").mode(0640).mtime(99).file("a", "last").bytes())
        .into(tree);
    assertEquals("last", Files.readString(tree.resolve("a")));
    assertEquals(0100640, attr("a", "mode"));
    assertEquals(99L, Files.getLastModifiedTime(tree.resolve("a"), NOFOLLOW).toMillis() / 1000);
  }

  @Test
  void hardlinkWhoseTargetIsRewrittenLaterInItsLayerKeepsTheOldContent() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().file("a", "old").hardlink("b", "a").file("a", "the new one").bytes())
        .into(tree);
    assertEquals("the new one", Files.readString(tree.resolve("a")));
    assertEquals("old", Files.readString(tree.resolve("b")));
    assertNotEquals(attr("a", "ino"), attr("b", "ino"));
  }

  @Test
  void aufsMetadataIsNeverCreated() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().file(".wh..wh.aufs", "").dir(".wh..wh.orph").dir(".wh..wh.plnk")
            .file(".wh..wh.plnk/123.456", "x").file("kept", "y").bytes())
        .into(tree);
    try (Stream<Path> s = Files.list(tree)) {
      assertEquals(List.of("kept"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void directoryWithoutAnEntryGetsTheTimeOfTheEntryThatNeededIt() throws IOException {
    new Unpacking().layer(new TarBuilder().mtime(4321).file("made/f", "x").bytes()).into(tree);
    assertEquals(040755, attr("made", "mode"));
    assertEquals(4321L, Files.getLastModifiedTime(tree.resolve("made"), NOFOLLOW).toMillis() / 1000);
  }

  @Test
  void idsPastThirtyOneBitsAreAppliedWhole() throws IOException {
    assumeTrue(SafeTree.runningAsRoot(), "needs root");
    new Unpacking().layer(new TarBuilder().owner(4294967294L, 2147483648L).file("nobody", "x").bytes()).into(tree);
    assertEquals(4294967294L, Integer.toUnsignedLong((int) attr("nobody", "uid")));
    assertEquals(2147483648L, Integer.toUnsignedLong((int) attr("nobody", "gid")));
  }

  @Test
  void idsPastThirtyOneBitsAreRecordedWholeWhenRootless() throws IOException {
    List<String> owners = Collections.synchronizedList(new ArrayList<>());
    new Unpacking().layer(new TarBuilder().owner(4294967294L, 8589934592L).file("nobody", "x").bytes())
        .into(SafeTree.recordingOwners(tree, 4096, (p, u, g) -> owners.add(p + " " + u + ":" + g)));
    assertEquals(List.of("nobody 4294967294:8589934592"), owners);
  }

  @Test
  void rootEntryIsAppliedToTheTreeItself() throws IOException {
    new Unpacking()
        .layer(new TarBuilder().mode(0700).owner(1000, 1000).mtime(555).dir("./").file("./f", "x").bytes())
        .into(tree);
    assertEquals(040700, attr("", "mode"));
    assertEquals(1000, attr("", "uid"));
    assertEquals(555L, Files.getLastModifiedTime(tree, NOFOLLOW).toMillis() / 1000);
  }

  /** The files are written by several threads while the layer is read: each must get its own bytes and metadata. */
  @Test
  void manyFilesEachGetTheirOwnContentAndMetadata() throws IOException {
    TarBuilder lower = new TarBuilder();
    TarBuilder upper = new TarBuilder();
    for (int i = 0; i < 3000; i++) {
      lower.mode(0600 + i % 64).mtime(10_000 + i).file("d" + i % 7 + "/f" + i, content(i, "lower"));
      if (i % 3 == 0) {
        upper.mode(0644).mtime(20_000 + i).file("d" + i % 7 + "/f" + i, content(i, "upper"));
      }
    }
    new Unpacking().layer(lower.bytes()).layer(upper.bytes()).into(tree);
    for (int i = 0; i < 3000; i++) {
      String path = "d" + i % 7 + "/f" + i;
      boolean replaced = i % 3 == 0;
      assertEquals(new String(content(i, replaced ? "upper" : "lower"), UTF_8),
          Files.readString(tree.resolve(path)), path);
      assertEquals(0100000 | (replaced ? 0644 : 0600 + i % 64), attr(path, "mode"), path);
      assertEquals(replaced ? 20_000L + i : 10_000L + i, Files.getLastModifiedTime(tree.resolve(path), NOFOLLOW).toMillis() / 1000, path);
    }
  }

  /** Mostly small files, and every 500th larger than what is handed to another thread in memory. */
  private static byte[] content(int i, String layer) {
    int size = i % 500 == 0 ? ConcurrentWrites.MAX_HANDED_OVER + 1 + i : i % 200;
    StringBuilder s = new StringBuilder(layer + " " + i + ":");
    while (s.length() < size) {
      s.append((char) ('a' + s.length() % 26));
    }
    return s.toString().getBytes(UTF_8);
  }
}
