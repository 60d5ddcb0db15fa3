package org.layerfs.transforms.tar;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.common.hash.Hashing;
import com.google.common.io.BaseEncoding;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.layerfs.transforms.testing.TarBuilder;

/** Names and xattr values are bytes: every way a tar carries them arrives exactly. */
class TarScannerNamesTest {
  private static final String LAYER = "sha256:" + "cd".repeat(32);
  /** "café" in latin-1: E9 alone is not UTF-8. */
  private static final byte[] LATIN1 = "dir/caf\u00e9".getBytes(ISO_8859_1);

  private static List<FileEntry> scan(TarBuilder tar) throws IOException {
    List<FileEntry> out = new ArrayList<>();
    new TarScanner().scan(new ByteArrayInputStream(tar.bytes()), LAYER, out::add);
    return out;
  }

  private static FileEntry only(TarBuilder tar) throws IOException {
    List<FileEntry> entries = scan(tar);
    assertEquals(1, entries.size(), "entries: " + entries);
    return entries.get(0);
  }

  private static Map<String, byte[]> records(Object... keyValues) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      Object v = keyValues[i + 1];
      m.put((String) keyValues[i], v instanceof byte[] b ? b : ((String) v).getBytes(UTF_8));
    }
    return m;
  }

  @Test
  void latin1UstarNameKeepsItsBytes() throws IOException {
    FileEntry e = only(new TarBuilder().rawFile(LATIN1, "x".getBytes(UTF_8)));
    assertArrayEquals(LATIN1, TarNames.encode(e.path()));
    assertFalse(TarNames.isUtf8(e.path()));
  }

  @Test
  void latin1GnuLongNameKeepsItsBytes() throws IOException {
    byte[] name = ("long/" + "n".repeat(120) + "\u00e9").getBytes(ISO_8859_1);
    FileEntry e = only(new TarBuilder().rawGnuLongName(name).file("placeholder", "x"));
    assertArrayEquals(name, TarNames.encode(e.path()));
  }

  @Test
  void paxPathWithBinaryCharsetKeepsItsBytes() throws IOException {
    FileEntry e = only(new TarBuilder().rawPax(records("hdrcharset", "BINARY", "path", LATIN1)).file("placeholder", "x"));
    assertArrayEquals(LATIN1, TarNames.encode(e.path()));
    assertEquals(Map.of(), e.pax(), "hdrcharset is represented by the name's bytes");
  }

  @Test
  void rawPaxPathWithoutCharsetKeepsItsBytes() throws IOException {
    // Go's archive/tar writes the bytes as they are, with no hdrcharset record.
    FileEntry e = only(new TarBuilder().rawPax(records("path", LATIN1)).file("placeholder", "x"));
    assertArrayEquals(LATIN1, TarNames.encode(e.path()));
  }

  @Test
  void utf8PaxPathIsItsText() throws IOException {
    FileEntry e = only(new TarBuilder().file("dir/caf\u00e9/\u65e5\u672c", "x"));
    assertEquals("dir/caf\u00e9/\u65e5\u672c", e.path());
  }

  @Test
  void namesThatDifferOnlyInAnInvalidByteStayTwoFiles() throws IOException {
    List<FileEntry> entries = scan(new TarBuilder()
        .rawFile(new byte[] {'f', (byte) 0xff}, "one".getBytes(UTF_8))
        .rawFile(new byte[] {'f', (byte) 0xfe}, "two".getBytes(UTF_8)));
    assertEquals(2, entries.size());
    assertNotEquals(entries.get(0).path(), entries.get(1).path());
    assertArrayEquals(new byte[] {'f', (byte) 0xfe}, TarNames.encode(entries.get(1).path()));
  }

  @Test
  void hardlinkToANonUtf8NameGetsItsTargetsContent() throws IOException {
    byte[] other = "dir/caf\u00ea".getBytes(ISO_8859_1);
    List<FileEntry> entries = scan(new TarBuilder()
        .rawFile(LATIN1, "first".getBytes(UTF_8))
        .rawFile(other, "second".getBytes(UTF_8))
        .rawHardlink("link".getBytes(UTF_8), LATIN1));
    FileEntry link = entries.get(2);
    assertEquals(EntryType.HARDLINK, link.type());
    assertArrayEquals(LATIN1, TarNames.encode(link.linkTarget().get()));
    assertEquals(Optional.of(Hashing.sha256().hashString("first", UTF_8).toString()), link.sha256());
  }

  @Test
  void rawPaxLinkpathOfASymlinkKeepsItsBytes() throws IOException {
    byte[] target = "../caf\u00e9".getBytes(ISO_8859_1);
    FileEntry e = only(new TarBuilder().rawPax(records("linkpath", target)).symlink("s", "placeholder"));
    assertArrayEquals(target, TarNames.encode(e.linkTarget().get()));
  }

  @Test
  void binarySchilyXattrValueKeepsItsBytes() throws IOException {
    // security.capability values are binary: a version word and permission masks.
    byte[] cap = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, (byte) 0xff, 0x00, 0x00, 0x00};
    byte[] user = {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef};
    FileEntry e = only(new TarBuilder()
        .rawPax(records("SCHILY.xattr.security.capability", cap, "SCHILY.xattr.user.bin", user, "SCHILY.xattr.user.text", "h\u00e9"))
        .file("bin/ping", "x"));
    assertArrayEquals(cap, TarNames.encode(e.xattrs().get("security.capability")));
    assertArrayEquals(user, TarNames.encode(e.xattrs().get("user.bin")));
    assertEquals("h\u00e9", e.xattrs().get("user.text"));
  }

  @Test
  void ownerNamesAndXattrNamesThatAreNotUtf8KeepTheirBytes() throws IOException {
    byte[] user = {'u', (byte) 0xe9};
    byte[] group = {'g', (byte) 0xfe};
    byte[] first = {'u', 's', 'e', 'r', '.', 'n', (byte) 0xe9};
    byte[] second = {'u', 's', 'e', 'r', '.', 'n', (byte) 0xff}; // differs from first only in an invalid byte
    FileEntry e = only(new TarBuilder()
        .rawPax(records("uname", user, "gname", group, "SCHILY.xattr." + TarNames.decode(first), "one",
            "SCHILY.xattr." + TarNames.decode(second), "two"))
        .file("f", "x"));
    assertArrayEquals(user, TarNames.encode(e.user()));
    assertArrayEquals(group, TarNames.encode(e.group()));
    assertEquals(Map.of(TarNames.decode(first), "one", TarNames.decode(second), "two"), e.xattrs());
    assertEquals(Map.of(), e.pax());
  }

  @Test
  void binaryLibarchiveXattrValueKeepsItsBytes() throws IOException {
    byte[] user = {(byte) 0xde, (byte) 0xad, 0x00, (byte) 0xef};
    FileEntry e = only(new TarBuilder()
        .pax("LIBARCHIVE.xattr.user.caf%C3%A9", BaseEncoding.base64().encode(user))
        .file("f", "x"));
    assertArrayEquals(user, TarNames.encode(e.xattrs().get("user.caf\u00e9")));
  }

  @Test
  void xattrValuesHoldingNewlinesEqualsSignsAndAnyLengthKeepTheirBytes() throws IOException {
    byte[] tricky = {'\n', '=', (byte) 0xff, ' ', '9', '\n'};
    byte[] long100 = new byte[100]; // its record's length field goes from two digits to three
    for (int i = 0; i < long100.length; i++) {
      long100[i] = (byte) (0x80 + i);
    }
    FileEntry e = only(new TarBuilder()
        .rawPax(records("SCHILY.xattr.user.tricky", tricky, "SCHILY.xattr.user.long", long100))
        .file("f", "x"));
    assertArrayEquals(tricky, TarNames.encode(e.xattrs().get("user.tricky")));
    assertArrayEquals(long100, TarNames.encode(e.xattrs().get("user.long")));
  }

  @Test
  void anEmptyPaxPathLeavesTheHeaderName() throws IOException {
    FileEntry e = only(new TarBuilder().rawPax(records("path", new byte[0])).file("header-name", "x"));
    assertEquals("header-name", e.path());
  }
}
