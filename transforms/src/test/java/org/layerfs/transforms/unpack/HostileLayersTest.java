package org.layerfs.transforms.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.LayerFormatException;
import org.layerfs.transforms.testing.TarBuilder;

/**
 * Layers built to escape the tree or exhaust the machine. Each test asserts the refusal (naming
 * image, layer and entry) or the documented safe rewrite, and that nothing beside the tree (a
 * sentinel directory with a file in it) was created, changed or removed.
 */
class HostileLayersTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  @TempDir Path base;
  Path tree;
  Path sentinel;
  Map<String, String> before;

  @BeforeEach
  void setUp() throws IOException {
    tree = Files.createDirectory(base.resolve("tree"));
    sentinel = Files.createDirectory(base.resolve("sentinel"));
    Files.writeString(sentinel.resolve("keep.txt"), "precious");
    before = outside();
  }

  @AfterEach
  void nothingOutsideChanged() throws IOException {
    assertEquals(before, outside(), "what lies beside the tree");
  }

  /** Everything under {@code base} but the tree: path to type, mode, size, mtime and content. */
  private Map<String, String> outside() throws IOException {
    Map<String, String> listing = new TreeMap<>();
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.filter(p -> !p.startsWith(tree)).toList()) {
        String what = Files.isSymbolicLink(p) ? "symlink " + Files.readSymbolicLink(p)
            : Files.isDirectory(p, NOFOLLOW) ? "dir" : "file " + Files.readString(p);
        listing.put(base.relativize(p).toString(),
            what + " " + Files.getAttribute(p, "unix:mode", NOFOLLOW) + " " + Files.getLastModifiedTime(p, NOFOLLOW));
      }
    }
    return listing;
  }

  private UnsafeEntryException refused(Unpacking image) {
    return assertThrows(UnsafeEntryException.class, () -> image.into(tree));
  }

  private static void assertNames(UnsafeEntryException e, String layer, String entry, String reason) {
    String m = e.getMessage();
    assertTrue(m.startsWith(Unpacking.IMAGE + ": layer " + layer + ": entry \"" + entry + "\": "), m);
    assertTrue(m.contains(reason), m);
  }

  @Test
  void dotDotComponentIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().file("ok.txt", "x").file("../sentinel/evil", "pwned").bytes());
    assertNames(refused(image), image.digest(0), "../sentinel/evil", "has a \"..\" component");
    assertFalse(Files.exists(sentinel.resolve("evil")));
  }

  @Test
  void dotDotInsideAPathIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().dir("a").file("a/../../sentinel/evil", "pwned").bytes());
    assertNames(refused(image), image.digest(0), "a/../../sentinel/evil", "has a \"..\" component");
  }

  @Test
  void absolutePathIsTakenRelativeToTheTree() throws IOException {
    new Unpacking().layer(new TarBuilder().file(base.resolve("sentinel/abs.txt").toString(), "inside").bytes()).into(tree);
    Path landed = tree.resolve(base.resolve("sentinel/abs.txt").toString().substring(1));
    assertEquals("inside", Files.readString(landed));
  }

  @Test
  void writeThroughSymlinkOfSameLayerIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().symlink("link", sentinel.toString()).file("link/evil", "pwned").bytes());
    assertNames(refused(image), image.digest(0), "link/evil", "its parent \"link\" is a symlink");
  }

  @Test
  void writeThroughRelativeSymlinkOfSameLayerIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().symlink("up", "../sentinel").file("up/keep.txt", "overwritten").bytes());
    assertNames(refused(image), image.digest(0), "up/keep.txt", "its parent \"up\" is a symlink");
  }

  @Test
  void writeThroughSymlinkOfLowerLayerIsRefused() {
    Unpacking image = new Unpacking()
        .layer(new TarBuilder().dir("etc").symlink("etc/conf", sentinel.toString()).bytes())
        .layer(new TarBuilder().file("etc/conf/keep.txt", "overwritten").bytes());
    assertNames(refused(image), image.digest(1), "etc/conf/keep.txt", "its parent \"etc/conf\" is a symlink");
  }

  @Test
  void hardlinkThroughSymlinkOfLowerLayerIsRefused() {
    Unpacking image = new Unpacking()
        .layer(new TarBuilder().symlink("out", sentinel.toString()).bytes())
        .layer(new TarBuilder().hardlink("h", "out/keep.txt").bytes());
    assertNames(refused(image), image.digest(1), "h", "hardlink to \"out/keep.txt\", which is not in the image");
  }

  @Test
  void symlinkToAbsolutePathOutsideIsWrittenAsItIsAndNeverFollowed() throws IOException {
    Path keep = sentinel.resolve("keep.txt");
    new Unpacking().layer(new TarBuilder().symlink("abs", keep.toString()).symlink("rel", "../sentinel/keep.txt").bytes()).into(tree);
    assertEquals(keep, Files.readSymbolicLink(tree.resolve("abs")));
    assertEquals(Path.of("../sentinel/keep.txt"), Files.readSymbolicLink(tree.resolve("rel")));
  }

  @Test
  void hardlinkOutsideIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().file("a", "x").hardlink("h", "../sentinel/keep.txt").bytes());
    UnsafeEntryException e = refused(image);
    // The index normalises the target to "sentinel/keep.txt", which the image does not hold.
    assertNames(e, image.digest(0), "h", "hardlink to \"sentinel/keep.txt\", which is not in the image");
  }

  @Test
  void hardlinkOutsideIsRefusedByTheLayerWriterToo() throws IOException {
    byte[] tar = new TarBuilder().hardlink("h", "../sentinel/keep.txt").bytes();
    LayerWriter writer = new LayerWriter(UnpackLimits.defaults());
    SafeTree t = SafeTree.applyingOwners(tree, 4096);
    UnsafeEntryException e = assertThrows(UnsafeEntryException.class,
        () -> writer.write("img", new ByteArrayInputStream(tar), Unpacking.descriptor(tar), Map.of(), t));
    assertTrue(e.getMessage().startsWith("img: layer " + Digest.sha256(tar) + ": entry \"h\": hardlink to \"../sentinel/keep.txt\", which is outside"),
        e.getMessage());
  }

  @Test
  void hardlinkToAbsolutePathIsRefusedWhenTheImageDoesNotHoldIt() {
    Unpacking image = new Unpacking().layer(new TarBuilder().hardlink("h", "/etc/passwd").bytes());
    assertNames(refused(image), image.digest(0), "h", "hardlink to \"etc/passwd\", which is not in the image");
  }

  @Test
  void hardlinkToMissingPathIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().file("a", "x").hardlink("h", "nope").bytes());
    assertNames(refused(image), image.digest(0), "h", "hardlink to \"nope\", which is not in the image");
  }

  @Test
  void hardlinkToANameLaterInTheSameTarIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().hardlink("early", "a").file("a", "x").bytes());
    assertNames(refused(image), image.digest(0), "early", "hardlink to \"a\", which comes later in its layer");
  }

  @Test
  void idsLinuxCannotHoldAreRefusedWhenApplied() {
    assumeTrue(SafeTree.runningAsRoot(), "needs root");
    Unpacking uid = new Unpacking().layer(new TarBuilder().owner(1L << 32, 0).file("f", "x").bytes());
    assertNames(refused(uid), uid.digest(0), "f", "uid 4294967296 cannot be applied: the largest Linux id is 4294967294");
    Unpacking gid = new Unpacking().layer(new TarBuilder().owner(0, 4294967295L).file("g", "x").bytes());
    assertNames(refused(gid), gid.digest(0), "g", "gid 4294967295 cannot be applied: the largest Linux id is 4294967294");
  }

  @Test
  void safeTreeRefusesHardlinkToMissingOrOutsidePath() throws IOException {
    SafeTree t = SafeTree.applyingOwners(tree, 4096);
    assertTrue(assertThrows(UnsafeEntryException.class, () -> t.hardlink("h", "nope")).getMessage().contains("does not exist"));
    assertTrue(assertThrows(UnsafeEntryException.class, () -> t.hardlink("h", "../sentinel/keep.txt")).getMessage().contains("\"..\""));
    assertTrue(assertThrows(UnsafeEntryException.class, () -> t.hardlink("h", sentinel.resolve("keep.txt").toString()))
        .getMessage().contains("absolute path"));
    assertEquals(1, (int) Files.getAttribute(sentinel.resolve("keep.txt"), "unix:nlink"));
  }

  @Test
  void whiteoutOfDotDotIsRefused() {
    Unpacking image = new Unpacking()
        .layer(new TarBuilder().dir("dir").file("dir/f", "x").bytes())
        .layer(new TarBuilder().whiteout("dir/..").bytes());
    assertNames(refused(image), image.digest(1), "dir/.wh...", "a whiteout of \"..\"");
    assertTrue(Files.exists(sentinel.resolve("keep.txt")));
  }

  @Test
  void topLevelWhiteoutOfDotDotIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().file("f", "x").bytes()).layer(new TarBuilder().whiteout("..").bytes());
    assertNames(refused(image), image.digest(1), ".wh...", "a whiteout of \"..\"");
  }

  @Test
  void devicesAreSkippedAndReportedWhenNotRoot() throws IOException {
    List<String> owners = new ArrayList<>();
    SafeTree rootless = SafeTree.recordingOwners(tree, 4096, (p, u, g) -> owners.add(p + " " + u + ":" + g));
    List<String> notices = new Unpacking()
        .layer(new TarBuilder().charDevice("dev/null", 1, 3).blockDevice("dev/sda", 8, 0).owner(1000, 1000).file("f", "x").bytes())
        .into(rootless);
    assertEquals(List.of("device dev/null (char 1:3) skipped: device nodes need root",
        "device dev/sda (block 8:0) skipped: device nodes need root"), notices.stream().sorted().toList());
    assertFalse(Files.exists(tree.resolve("dev/null"), NOFOLLOW));
    assertTrue(owners.contains("f 1000:1000"), owners.toString());
  }

  @Test
  void devicesAreMadeAsRoot() throws IOException {
    assumeTrue(SafeTree.runningAsRoot(), "needs root");
    new Unpacking().layer(new TarBuilder().mode(0620).charDevice("dev/null", 1, 3).bytes()).into(tree);
    int mode = (int) Files.getAttribute(tree.resolve("dev/null"), "unix:mode", NOFOLLOW);
    assertEquals(0020620, mode);
    assertEquals(0x103L, ((Number) Files.getAttribute(tree.resolve("dev/null"), "unix:rdev", NOFOLLOW)).longValue());
  }

  @Test
  void overlongPathIsRefused() {
    String name = "d/" + "x".repeat(5000);
    Unpacking image = new Unpacking().layer(new TarBuilder().file(name, "x").bytes());
    UnsafeEntryException e = refused(image);
    assertTrue(e.getMessage().contains("name of 5002 bytes exceeds the limit of 4096"), e.getMessage());
    assertTrue(e.getMessage().startsWith(Unpacking.IMAGE + ": layer " + image.digest(0) + ": entry \"d/xxx"), e.getMessage());
  }

  @Test
  void overlongSymlinkTargetIsRefused() {
    Unpacking image = new Unpacking().layer(new TarBuilder().symlink("s", "t/".repeat(3000)).bytes());
    assertNames(refused(image), image.digest(0), "s", "link target of 6000 bytes exceeds the limit of 4096");
  }

  @Test
  void oversizedPaxRecordIsRefusedBeforeItIsRead() {
    // The layer's index refuses it already, before the unpack reads the layer.
    Unpacking image = new Unpacking().layer(
        new TarBuilder().pax("SCHILY.xattr.user.big", "v".repeat(2 << 20)).file("f", "x").bytes());
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> image.into(tree));
    assertTrue(e.getMessage().contains("a PAX header of "), e.getMessage());
    assertTrue(e.getMessage().endsWith("bytes exceeds the limit of 1048576"), e.getMessage());
  }

  @Test
  void tooManyEntriesAreRefused() {
    TarBuilder b = new TarBuilder();
    for (int i = 0; i < 101; i++) {
      b.file("f" + i, "");
    }
    Unpacking image = new Unpacking().layer(b.bytes()).limits(UnpackLimits.defaults().toBuilder().setMaxEntriesPerLayer(100).build());
    UnsafeEntryException e = refused(image);
    assertEquals(Unpacking.IMAGE + ": layer " + image.digest(0) + ": more than 100 entries (the limit)", e.getMessage());
  }

  @Test
  void fileOverTheSizeLimitIsRefusedBeforeWriting() throws IOException {
    Unpacking image = new Unpacking()
        .layer(new TarBuilder().file("big", new byte[2 << 20]).bytes())
        .limits(UnpackLimits.defaults().toBuilder().setMaxFileSize(1 << 20).build());
    assertNames(refused(image), image.digest(0), "big", "file of 2097152 bytes exceeds the limit of 1048576");
    try (Stream<Path> s = Files.list(tree)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void hugeDeclaredSizeIsRefusedAtTheHeader() throws IOException {
    // A header that declares 1 TiB and a stream that ends right after it.
    TarArchiveEntry huge = new TarArchiveEntry("huge", TarConstants.LF_NORMAL, true);
    huge.setSize(1L << 40);
    byte[] header = new byte[512];
    huge.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding("UTF-8"), true); // star mode: size in base-256
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    tar.write(header);
    tar.write(new byte[4096]);
    byte[] bytes = tar.toByteArray();
    LayerWriter writer = new LayerWriter(UnpackLimits.defaults());
    UnsafeEntryException e = assertThrows(UnsafeEntryException.class, () -> writer.write(
        "img", new ByteArrayInputStream(bytes), Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(bytes), bytes.length),
        Map.of(), SafeTree.applyingOwners(tree, 4096)));
    assertEquals("img: layer " + Digest.sha256(bytes) + ": entry \"huge\": declares 1099511627776 bytes, over the limit of 17179869184",
        e.getMessage());
  }

  @Test
  void treeOverTheTotalLimitIsRefusedBeforeWriting() throws IOException {
    Unpacking image = new Unpacking()
        .layer(new TarBuilder().file("a", new byte[600]).file("b", new byte[600]).bytes())
        .limits(UnpackLimits.defaults().toBuilder().setMaxTotalBytes(1000).build());
    assertEquals(Unpacking.IMAGE + ": the tree holds 1200 bytes of files, over the limit of 1000", refused(image).getMessage());
    try (Stream<Path> s = Files.list(tree)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void decompressionBombIsStoppedAtTheLayerLimit() throws IOException {
    byte[] tar = new TarBuilder().file("zeros", new byte[20 << 20]).bytes();
    byte[] gzip = TarBuilder.gzip(tar);
    assertTrue(gzip.length < 100_000, "a bomb: " + gzip.length + " bytes");
    Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(gzip), gzip.length);
    UnpackLimits limits = UnpackLimits.defaults().toBuilder().setMaxLayerBytes(4 << 20).build();
    SafeTree t = SafeTree.applyingOwners(tree, 4096);
    Map<UnpackPlan.TarEntry, FileEntry> plan = Map.of(new UnpackPlan.TarEntry("zeros", 0),
        FileEntry.builder().setPath("zeros").setType(EntryType.FILE)
            .setMode(0644).setSize(20 << 20).setLayer(layer.digest().toString()).build());
    UnsafeEntryException e = assertThrows(UnsafeEntryException.class,
        () -> new LayerWriter(limits).write("img", new ByteArrayInputStream(gzip), layer, plan, t));
    assertEquals("img: layer " + layer.digest() + ": decompresses to more than 4194304 bytes (the limit): a decompression bomb?",
        e.getMessage());
    assertTrue(Files.size(tree.resolve("zeros")) <= 4 << 20);
  }
}
