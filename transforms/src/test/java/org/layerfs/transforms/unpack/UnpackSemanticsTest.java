package org.layerfs.transforms.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
    assertEquals("v", new String((byte[]) Files.getAttribute(tree.resolve("attrs"), "user:k"), java.nio.charset.StandardCharsets.UTF_8));
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
}
