package org.layerfs.transforms.tar;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.transforms.testing.TarBuilder;

class TarScannerTest {
  private static final String LAYER = "sha256:" + "ab".repeat(32);

  private static String sha256(String content) {
    return Hashing.sha256().hashString(content, UTF_8).toString();
  }

  private static List<FileEntry> scan(byte[] tar) throws IOException {
    List<FileEntry> out = new ArrayList<>();
    long n = new TarScanner().scan(new ByteArrayInputStream(tar), LAYER, out::add);
    assertEquals(out.size(), n, "returned count equals entries handed over");
    return out;
  }

  private static FileEntry only(TarBuilder tar) throws IOException {
    List<FileEntry> entries = scan(tar.bytes());
    assertEquals(1, entries.size(), "entries: " + entries);
    return entries.get(0);
  }

  private static Map<String, FileEntry> byPath(List<FileEntry> entries) {
    return entries.stream().collect(Collectors.toMap(FileEntry::path, e -> e));
  }

  @Test
  void regularFile() throws IOException {
    FileEntry e = only(new TarBuilder().mode(0640).owner(1000, 1001).names("alice", "staff").mtime(1234567890).file("etc/motd", "hello\n"));
    assertEquals("etc/motd", e.path());
    assertEquals(EntryType.FILE, e.type());
    assertEquals(0640, e.mode());
    assertEquals(1000, e.uid());
    assertEquals(1001, e.gid());
    assertEquals("alice", e.user());
    assertEquals("staff", e.group());
    assertEquals(6, e.size());
    assertEquals(1234567890L, e.mtime());
    assertEquals(Optional.of(sha256("hello\n")), e.sha256());
    assertEquals(Optional.empty(), e.linkTarget());
    assertEquals(LAYER, e.layer());
    assertFalse(e.isMarker());
    assertTrue(e.xattrs().isEmpty());
    assertTrue(e.pax().isEmpty());
  }

  @Test
  void emptyFileHasTheEmptySha256() throws IOException {
    FileEntry e = only(new TarBuilder().file("empty.txt", ""));
    assertEquals(0, e.size());
    assertEquals(Optional.of("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), e.sha256());
  }

  @Test
  void largeFileSpanningManyBuffers() throws IOException {
    byte[] content = new byte[200_000];
    new Random(7).nextBytes(content);
    FileEntry e = only(new TarBuilder().file("big.bin", content));
    assertEquals(content.length, e.size());
    assertEquals(Optional.of(Hashing.sha256().hashBytes(content).toString()), e.sha256());
  }

  @Test
  void directoryHasNoContent() throws IOException {
    FileEntry e = only(new TarBuilder().mode(01777).dir("shared/"));
    assertEquals("shared", e.path());
    assertEquals(EntryType.DIR, e.type());
    assertEquals(01777, e.mode());
    assertEquals("1777", e.modeString());
    assertEquals(0, e.size());
    assertEquals(Optional.empty(), e.sha256());
  }

  @Test
  void setuidModeKept() throws IOException {
    FileEntry e = only(new TarBuilder().mode(04755).file("bin/suid-tool", "#!/bin/sh\n"));
    assertEquals(04755, e.mode());
    assertEquals("4755", e.modeString());
  }

  @Test
  void setgidModeKept() throws IOException {
    assertEquals(02711, only(new TarBuilder().mode(02711).file("bin/sgid", "x")).mode());
  }

  @Test
  void paxLongName() throws IOException {
    String name = "long/" + "d".repeat(60) + "/" + "e".repeat(60) + "/file-with-a-long-name.txt";
    assertTrue(name.length() > 100);
    FileEntry e = only(new TarBuilder().file(name, "long"));
    assertEquals(name, e.path());
    assertEquals(Optional.of(sha256("long")), e.sha256());
    assertTrue(e.pax().isEmpty(), "path is represented by the path field: " + e.pax());
  }

  @Test
  void paxLongSymlinkTarget() throws IOException {
    String target = "../" + "t".repeat(150);
    FileEntry e = only(new TarBuilder().symlink("links/long", target));
    assertEquals(Optional.of(target), e.linkTarget());
    assertTrue(e.pax().isEmpty(), "linkpath is represented by linkTarget: " + e.pax());
  }

  @Test
  void nonAsciiName() throws IOException {
    FileEntry e = only(new TarBuilder().file("données/café-ünïcødé.txt", "é"));
    assertEquals("données/café-ünïcødé.txt", e.path());
    assertEquals(2, e.size());
  }

  @Test
  void schilyXattrs() throws IOException {
    FileEntry e =
        only(new TarBuilder()
            .pax("SCHILY.xattr.user.x", "fixture")
            .pax("SCHILY.xattr.security.capability", "cap")
            .file("attrs/xattr.txt", "a"));
    assertEquals(Map.of("user.x", "fixture", "security.capability", "cap"), e.xattrs());
    assertTrue(e.pax().isEmpty(), "xattrs are not repeated in pax: " + e.pax());
  }

  @Test
  void libarchiveXattrsAreDecoded() throws IOException {
    // libarchive: name URL-encoded in the key, value base64.
    FileEntry e = only(new TarBuilder().pax("LIBARCHIVE.xattr.user.a%20b", "dmFsdWU=").file("f", "a"));
    assertEquals(Map.of("user.a b", "value"), e.xattrs());
  }

  /**
   * GNU tar writes "=" and "%" of an xattr name as %3D and %25 (a PAX key ends at its first "=")
   * and its extraction turns exactly those two back, in one pass; anything else stays as written.
   */
  @Test
  void schilyXattrNamesAreDecodedAsGnuTarDecodesThem() throws IOException {
    FileEntry e = only(new TarBuilder()
        .pax("SCHILY.xattr.user.a%3Db%25c", "1")
        .pax("SCHILY.xattr.user.lit%253D", "2")
        .pax("SCHILY.xattr.user.low%3d%41%2", "3")
        .file("f", "a"));
    assertEquals(Map.of("user.a=b%c", "1", "user.lit%3D", "2", "user.low%3d%41%2", "3"), e.xattrs());
  }

  @Test
  void otherPaxRecordsAreKept() throws IOException {
    FileEntry e = only(new TarBuilder().pax("LAYERFS.note", "kept").pax("comment", "hi").file("f", "a"));
    assertEquals(Map.of("LAYERFS.note", "kept", "comment", "hi"), e.pax());
    assertTrue(e.xattrs().isEmpty());
  }

  @Test
  void paxAppliesToOneEntryOnly() throws IOException {
    Map<String, FileEntry> m = byPath(scan(new TarBuilder().pax("SCHILY.xattr.user.x", "1").file("a", "a").file("b", "b").bytes()));
    assertEquals(Map.of("user.x", "1"), m.get("a").xattrs());
    assertTrue(m.get("b").xattrs().isEmpty());
  }

  @Test
  void hardlinkGetsItsTargetsSizeAndSha256() throws IOException {
    List<FileEntry> entries =
        scan(new TarBuilder()
            .file("special/hardlink-target.txt", "shared content\n")
            .hardlink("./special/hardlink.txt", "./special/hardlink-target.txt")
            .bytes());
    FileEntry link = entries.get(1);
    assertEquals("special/hardlink.txt", link.path());
    assertEquals(EntryType.HARDLINK, link.type());
    assertEquals(Optional.of("special/hardlink-target.txt"), link.linkTarget(), "hardlink targets are normalised");
    assertEquals(15, link.size());
    assertEquals(Optional.of(sha256("shared content\n")), link.sha256());
    assertEquals(entries.get(0).sha256(), link.sha256());
  }

  @Test
  void hardlinkToUnknownTargetHasNoContent() throws IOException {
    FileEntry e = only(new TarBuilder().hardlink("a", "not/in/this/layer"));
    assertEquals(EntryType.HARDLINK, e.type());
    assertEquals(0, e.size());
    assertEquals(Optional.empty(), e.sha256());
  }

  @Test
  void symlinkKeepsTargetAsWrittenAndHasNoSha256() throws IOException {
    Map<String, FileEntry> m =
        byPath(scan(new TarBuilder().symlink("links/rel", "../etc/config.txt").symlink("links/abs", "/etc/config.txt").bytes()));
    FileEntry rel = m.get("links/rel");
    assertEquals(EntryType.SYMLINK, rel.type());
    assertEquals(Optional.of("../etc/config.txt"), rel.linkTarget());
    assertEquals(Optional.empty(), rel.sha256());
    assertEquals(0, rel.size());
    assertEquals(0777, rel.mode());
    assertEquals(Optional.of("/etc/config.txt"), m.get("links/abs").linkTarget());
  }

  @Test
  void fifo() throws IOException {
    FileEntry e = only(new TarBuilder().fifo("special/fifo"));
    assertEquals(EntryType.FIFO, e.type());
    assertEquals(Optional.empty(), e.sha256());
    assertEquals(0, e.devMajor());
    assertEquals(0, e.devMinor());
  }

  @Test
  void charAndBlockDevicesKeepTheirNumbers() throws IOException {
    Map<String, FileEntry> m =
        byPath(scan(new TarBuilder().charDevice("dev/null", 1, 3).blockDevice("dev/sda1", 8, 1).bytes()));
    FileEntry chr = m.get("dev/null");
    assertEquals(EntryType.CHAR, chr.type());
    assertEquals(1, chr.devMajor());
    assertEquals(3, chr.devMinor());
    assertEquals(Optional.empty(), chr.sha256());
    FileEntry blk = m.get("dev/sda1");
    assertEquals(EntryType.BLOCK, blk.type());
    assertEquals(8, blk.devMajor());
    assertEquals(1, blk.devMinor());
  }

  @Test
  void bigUidAndGid() throws IOException {
    long big = 3_000_000_000L; // above the 2097151 an octal ustar field holds
    FileEntry e = only(new TarBuilder().owner(big, 2_097_152L).file("home/user/owned.txt", "x"));
    assertEquals(big, e.uid());
    assertEquals(2_097_152L, e.gid());
    assertTrue(e.pax().isEmpty(), "uid/gid records are represented: " + e.pax());
  }

  @Test
  void mtimeBeforeAndAfterTheUsualRange() throws IOException {
    Map<String, FileEntry> m =
        byPath(scan(new TarBuilder().mtime(0).file("epoch", "a").mtime(1234567890L).file("fixed", "b").bytes()));
    assertEquals(0, m.get("epoch").mtime());
    assertEquals(1234567890L, m.get("fixed").mtime());
  }

  @Test
  void prefixesAreNormalisedAndRootIsTheEmptyPath() throws IOException {
    List<FileEntry> entries =
        scan(new TarBuilder()
            .dir("./")
            .dir("./etc/")
            .file("./etc/a.txt", "a")
            .file("/abs.txt", "b")
            .dir("/")
            .file("plain//b.txt", "c")
            .bytes());
    assertEquals(
        List.of("", "etc", "etc/a.txt", "abs.txt", "", "plain/b.txt"),
        entries.stream().map(FileEntry::path).collect(Collectors.toList()));
  }

  @Test
  void whiteoutNamesThePathItRemoves() throws IOException {
    Map<String, FileEntry> m =
        byPath(scan(new TarBuilder().whiteout("dir/foo").whiteout("top").whiteout("a/b/c").bytes()));
    assertEquals(Optional.of("dir/foo"), m.get("dir/.wh.foo").whiteout());
    assertEquals(Optional.of("top"), m.get(".wh.top").whiteout());
    assertEquals(Optional.of("a/b/c"), m.get("a/b/.wh.c").whiteout());
    for (FileEntry e : m.values()) {
      assertTrue(e.isMarker());
      assertFalse(e.opaque());
      assertEquals(EntryType.FILE, e.type());
    }
  }

  @Test
  void whiteoutWithDotSlashPrefix() throws IOException {
    FileEntry e = only(new TarBuilder().file("./dir/.wh.foo", ""));
    assertEquals("dir/.wh.foo", e.path());
    assertEquals(Optional.of("dir/foo"), e.whiteout());
  }

  @Test
  void opaqueMarker() throws IOException {
    FileEntry e = only(new TarBuilder().opaque("opaque"));
    assertEquals("opaque/.wh..wh..opq", e.path());
    assertTrue(e.opaque());
    assertEquals(Optional.empty(), e.whiteout());
    assertEquals("opaque", e.parent());
    assertTrue(e.isMarker());
  }

  @Test
  void rootOpaqueMarker() throws IOException {
    FileEntry e = only(new TarBuilder().opaque(""));
    assertTrue(e.opaque());
    assertEquals("", e.parent());
  }

  @Test
  void otherAufsMetaFilesAreNotWhiteouts() throws IOException {
    FileEntry e = only(new TarBuilder().file("dir/.wh..wh.plnk", ""));
    assertEquals(Optional.empty(), e.whiteout());
    assertFalse(e.opaque());
  }

  @Test
  void namesThatOnlyLookLikeWhiteoutsAreFiles() throws IOException {
    Map<String, FileEntry> m = byPath(scan(new TarBuilder().file("a.wh.b", "x").file(".whx", "y").bytes()));
    assertFalse(m.get("a.wh.b").isMarker());
    assertFalse(m.get(".whx").isMarker());
  }

  @Test
  void entriesComeInTarOrder() throws IOException {
    List<FileEntry> entries = scan(new TarBuilder().file("z", "1").dir("a").file("m", "2").bytes());
    assertEquals(List.of("z", "a", "m"), entries.stream().map(FileEntry::path).collect(Collectors.toList()));
  }

  @Test
  void emptyTar() throws IOException {
    assertEquals(List.of(), scan(new TarBuilder().bytes()));
  }

  @Test
  void scannerIsReusable() throws IOException {
    TarScanner scanner = new TarScanner();
    List<FileEntry> first = new ArrayList<>();
    List<FileEntry> second = new ArrayList<>();
    scanner.scan(new ByteArrayInputStream(new TarBuilder().file("a", "one").bytes()), LAYER, first::add);
    scanner.scan(new ByteArrayInputStream(new TarBuilder().file("a", "two").hardlink("b", "a").bytes()), LAYER, second::add);
    assertEquals(Optional.of(sha256("one")), first.get(0).sha256());
    assertEquals(Optional.of(sha256("two")), second.get(0).sha256());
    assertEquals(Optional.of(sha256("two")), second.get(1).sha256());
  }

  @Test
  void truncatedInsideContentIsALayerFormatException() {
    byte[] content = new byte[10_000];
    Arrays.fill(content, (byte) 'x');
    byte[] tar = new TarBuilder().file("a.txt", "a").file("big.bin", content).bytes();
    byte[] cut = Arrays.copyOf(tar, 512 * 3 + 2000);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> scan(cut));
    assertTrue(e.getMessage().contains("big.bin"), e.getMessage());
  }

  @Test
  void truncatedInsideHeaderIsALayerFormatException() {
    byte[] tar = new TarBuilder().file("a.txt", "a").file("b.txt", "b").bytes();
    byte[] cut = Arrays.copyOf(tar, 1024 + 100);
    assertThrows(LayerFormatException.class, () -> scan(cut));
  }

  @Test
  void truncatedInsidePaddingIsALayerFormatException() {
    byte[] tar = new TarBuilder().file("a.txt", "a").file("b.txt", "b").bytes();
    byte[] cut = Arrays.copyOf(tar, 512 + 1);
    assertThrows(LayerFormatException.class, () -> scan(cut));
  }

  @Test
  void missingEndOfArchiveMarkerOnARecordBoundaryIsAccepted() throws IOException {
    // As GNU tar does: a stream that stops cleanly between entries is a shorter archive.
    byte[] tar = new TarBuilder().file("a.txt", "a").file("b.txt", "b").bytes();
    List<FileEntry> entries = scan(Arrays.copyOf(tar, 1024));
    assertEquals(List.of("a.txt"), entries.stream().map(FileEntry::path).collect(Collectors.toList()));
  }

  @Test
  void garbageIsALayerFormatException() {
    byte[] garbage = new byte[1500];
    new Random(42).nextBytes(garbage);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> scan(garbage));
    assertTrue(e.getMessage().contains("broken tar"), e.getMessage());
  }

  @Test
  void garbageAfterGoodEntriesNamesHowFarItGot() {
    byte[] good = new TarBuilder().file("a.txt", "a").bytes();
    byte[] garbage = new byte[1024];
    new Random(1).nextBytes(garbage);
    byte[] tar = Arrays.copyOf(good, 1024 + garbage.length);
    System.arraycopy(garbage, 0, tar, 1024, garbage.length);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> scan(tar));
    assertTrue(e.getMessage().contains("after 1 entries"), e.getMessage());
  }

  @Test
  void consumerExceptionStopsTheScanUnchanged() {
    IOException stop = new IOException("stop");
    byte[] tar = new TarBuilder().file("a", "a").file("b", "b").bytes();
    List<String> seen = new ArrayList<>();
    IOException e =
        assertThrows(
            IOException.class,
            () -> new TarScanner().scan(new ByteArrayInputStream(tar), LAYER, x -> {
              seen.add(x.path());
              throw stop;
            }));
    assertSame(stop, e);
    assertEquals(List.of("a"), seen);
  }

  @Test
  void blobVerificationFailurePassesThroughUnwrapped() {
    byte[] content = new byte[5000];
    byte[] tar = new TarBuilder().file("a.bin", content).bytes();
    BlobVerificationException wrong = new BlobVerificationException("blob: digest mismatch");
    InputStream failing = failingAfter(tar, 2000, wrong);
    IOException e = assertThrows(IOException.class, () -> new TarScanner().scan(failing, LAYER, x -> {}));
    assertSame(wrong, e);
  }

  @Test
  void blobVerificationFailureInAHeaderPassesThroughUnwrapped() {
    byte[] tar = new TarBuilder().file("a.bin", "a").file("b.bin", "b").bytes();
    BlobVerificationException wrong = new BlobVerificationException("blob: truncated");
    IOException e = assertThrows(IOException.class, () -> new TarScanner().scan(failingAfter(tar, 1024 + 10, wrong), LAYER, x -> {}));
    assertSame(wrong, e);
  }

  /** A stream of {@code data} that throws {@code failure} once {@code limit} bytes are read. */
  static InputStream failingAfter(byte[] data, int limit, IOException failure) {
    return new FilterInputStream(new ByteArrayInputStream(data, 0, limit)) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
          throw failure;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0) {
          throw failure;
        }
        return n;
      }
    };
  }

  /**
   * A tar of one file {@code name} preceded by a PAX header holding {@code records} as they are
   * (TarBuilder cannot: Commons Compress parses sparse records while it writes them).
   */
  private static byte[] withRawPax(String name, byte[] content, String... records) throws IOException {
    StringBuilder body = new StringBuilder();
    for (String r : records) {
      int n = r.length() + 2; // "<n> <r>\n", where n counts its own digits too
      while (String.valueOf(n).length() + r.length() + 2 != n) {
        n = String.valueOf(n).length() + r.length() + 2;
      }
      body.append(n).append(' ').append(r).append('\n');
    }
    byte[] pax = body.toString().getBytes(UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry x = new TarArchiveEntry("PaxHeaders/" + name, TarConstants.LF_PAX_EXTENDED_HEADER_LC);
      x.setSize(pax.length);
      tar.putArchiveEntry(x);
      tar.write(pax);
      tar.closeArchiveEntry();
      TarArchiveEntry f = new TarArchiveEntry(name);
      f.setSize(content.length);
      tar.putArchiveEntry(f);
      tar.write(content);
      tar.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  /** PAX 0.0, 0.1 and 1.0 records, as GNU tar writes them for lastlog of uid 4294967294 (1.25 TB). */
  @Test
  void sparseFileOver2GiBIsRefusedSayingWhatItIs() throws IOException {
    byte[] v01 = withRawPax("GNUSparseFile.1/lastlog", "x".getBytes(UTF_8), "GNU.sparse.size=1254130450140",
        "GNU.sparse.numblocks=1", "GNU.sparse.map=0,1", "GNU.sparse.name=var/log/lastlog");
    byte[] v10 = withRawPax("GNUSparseFile.1/faillog", ("1\n0\n1\n" + "\0".repeat(506) + "x").getBytes(UTF_8),
        "GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.realsize=1254130450140", "GNU.sparse.name=var/log/faillog");
    byte[] v00 = withRawPax("var/log/tallylog", "x".getBytes(UTF_8), "GNU.sparse.size=1254130450140",
        "GNU.sparse.numblocks=1", "GNU.sparse.offset=0", "GNU.sparse.numbytes=1");
    for (byte[] tar : List.of(v00, v01, v10)) {
      LayerFormatException e = assertThrows(LayerFormatException.class, () -> scan(tar));
      assertTrue(e.getMessage().matches("entry \"var/log/(lastlog|faillog|tallylog)\": a GNU sparse file of 1254130450140 bytes;"
          + " the tar reader \\(Commons Compress\\) expands sparse files below 2 GiB only"), e.getMessage());
    }
  }

  /** An old GNU sparse header (type S, as GNU tar --format=gnu --sparse writes) for a 12 GiB file. */
  @Test
  void oldGnuSparseFileOver8GiBIsRefusedSayingWhatItIs() throws IOException {
    byte[] tar = new TarBuilder().file("var/log/lastlog", "x").bytes();
    tar[156] = 'S';
    System.arraycopy("ustar  \0".getBytes(UTF_8), 0, tar, 257, 8);
    Arrays.fill(tar, 483, 495, (byte) 0);
    tar[483] = (byte) 0x80;
    long real = 12L << 30;
    for (int i = 0; i < 8; i++) {
      tar[494 - i] = (byte) (real >>> (8 * i));
    }
    // sparse map: one chunk of 1 byte at offset 0
    System.arraycopy("00000000000\0".getBytes(UTF_8), 0, tar, 386, 12);
    System.arraycopy("00000000001\0".getBytes(UTF_8), 0, tar, 398, 12);
    Arrays.fill(tar, 148, 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[i] & 0xff;
    }
    System.arraycopy(String.format("%06o\0 ", sum).getBytes(UTF_8), 0, tar, 148, 8);
    LayerFormatException e = assertThrows(LayerFormatException.class, () -> scan(tar));
    assertEquals("entry \"var/log/lastlog\": an old GNU sparse file (type S) of 12884901888 bytes;"
        + " the tar reader (Commons Compress) reads them below 8 GiB only", e.getMessage());
  }
}
