package org.layerfs.transforms.unpack;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.layerfs.io.testing.RawTree.hex;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.testing.RawTree;
import org.layerfs.transforms.tar.TarNames;
import org.layerfs.transforms.testing.TarBuilder;

/**
 * Names are bytes on disk too: unpack creates each name's exact bytes, whatever they are, and
 * writes xattr values as their exact bytes. The tree is listed by Python, with bytes names.
 */
class UnpackNamesTest {
  private static final byte[] CAFE = "caf\u00e9".getBytes(ISO_8859_1);
  private static final byte[] BINARY = {(byte) 0xde, (byte) 0xad, 0x00, (byte) 0xef};
  @TempDir Path tmp;

  /** The bytes of {@code parts}: Strings as UTF-8, byte arrays as they are. */
  private static byte[] concat(Object... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Object p : parts) {
      out.writeBytes(p instanceof byte[] b ? b : ((String) p).getBytes(UTF_8));
    }
    return out.toByteArray();
  }

  private static Map<String, byte[]> records(String key, byte[] value) {
    return Map.of(key, value);
  }

  @Test
  void namesThatAreNotUtf8AreCreatedExactly() throws Exception {
    byte[] dir = concat("d-", CAFE);
    List<String> notices = new Unpacking()
        .layer(new TarBuilder()
            .rawPax(records("path", dir)).dir("placeholder")
            .rawFile(concat("d-caf\u00e9/", CAFE), "latin1".getBytes(UTF_8)) // not the dir: "d-café" in UTF-8
            .rawPax(Map.of("hdrcharset", "BINARY".getBytes(UTF_8), "path", concat(dir, "/", new byte[] {'f', (byte) 0xff})))
            .file("placeholder2", "ff")
            .rawFile(concat(dir, "/", new byte[] {'f', (byte) 0xfe}), "fe".getBytes(UTF_8))
            .rawHardlink("link".getBytes(UTF_8), concat(dir, "/", new byte[] {'f', (byte) 0xff}))
            .rawPax(records("linkpath", concat("../", CAFE))).symlink("sym", "placeholder3")
            .file("utf8-\u65e5\u672c", "utf8")
            .bytes())
        .into(tmp);
    assertEquals(List.of(), notices);
    Map<String, String> expected = new TreeMap<>();
    expected.put(hex(dir), "dir 0755 2 -");
    expected.put(hex(concat(dir, "/f", new byte[] {(byte) 0xff})), "file 0644 2 " + hex("ff"));
    expected.put(hex(concat(dir, "/f", new byte[] {(byte) 0xfe})), "file 0644 1 " + hex("fe"));
    expected.put(hex("d-caf\u00e9"), "dir 0755 2 -");
    expected.put(hex("d-caf\u00e9/") + hex(CAFE), "file 0644 1 " + hex("latin1"));
    expected.put(hex("link"), "file 0644 2 " + hex("ff"));
    expected.put(hex("sym"), "link 0777 1 " + hex(concat("../", CAFE)));
    expected.put(hex("utf8-\u65e5\u672c"), "file 0644 1 " + hex("utf8"));
    assertEquals(expected, RawTree.list(tmp));
  }

  @Test
  void whiteoutOfANameThatIsNotUtf8RemovesExactlyIt() throws Exception {
    new Unpacking()
        .layer(new TarBuilder().rawFile(CAFE, "a".getBytes(UTF_8)).rawFile("caf\u00e9".getBytes(UTF_8), "b".getBytes(UTF_8)).bytes())
        .layer(new TarBuilder().rawFile(concat(".wh.", CAFE), new byte[0]).bytes())
        .into(tmp);
    assertEquals(Map.of(hex("caf\u00e9"), "file 0644 1 " + hex("b")), RawTree.list(tmp));
  }

  @Test
  void fifoWithANameThatIsNotUtf8() throws Exception {
    new Unpacking()
        .layer(new TarBuilder().rawPax(records("path", CAFE)).mtime(1_000_000_000L).fifo("placeholder").bytes())
        .into(tmp);
    assertEquals(Map.of(hex(CAFE), "fifo 0644 1 -"), RawTree.list(tmp));
  }

  @Test
  void binaryXattrValuesAreWrittenAsTheirBytes() throws Exception {
    List<String> notices = new Unpacking()
        .layer(new TarBuilder()
            .rawPax(Map.of("SCHILY.xattr.user.bin", BINARY, "SCHILY.xattr.security.capability", new byte[] {1, 0, 0, 2})).file("f", "x")
            .rawPax(records("SCHILY.xattr.user.name", CAFE)).dir(new String(CAFE, ISO_8859_1).replace('\u00e9', 'e'))
            .bytes())
        .into(tmp);
    assertEquals(Map.of(
        hex("f"), "file 0644 1 " + hex("x") + " user.bin=" + hex(BINARY),
        hex("cafe"), "dir 0755 2 - user.name=" + hex(CAFE)), RawTree.list(tmp));
    assertEquals(1, notices.size(), notices.toString());
    assertTrue(notices.get(0).startsWith("xattr security.capability of f not set"), notices.toString());
  }

  @Test
  void xattrNamesThatAreNotUtf8AreSetExactly() throws Exception {
    byte[] name = concat("user.n-", CAFE, new byte[] {(byte) 0xff});
    new Unpacking()
        .layer(new TarBuilder().rawPax(records("SCHILY.xattr." + TarNames.decode(name), BINARY)).file("f", "x").bytes())
        .into(tmp);
    Process p = new ProcessBuilder("python3", "-c",
        "import os,sys; p=os.fsencode(sys.argv[1]); print(' '.join(os.fsencode(a).hex() + '=' + os.getxattr(p, a).hex()"
            + " for a in sorted(os.listxattr(p))))", tmp.resolve("f").toString()).redirectErrorStream(true).start();
    String listed = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertEquals(0, p.waitFor(), listed);
    assertEquals(hex(name) + "=" + hex(BINARY), listed.trim());
  }

  @Test
  void symlinkTargetWithANulIsRefusedNotCut() {
    Unpacking unpacking = new Unpacking()
        .layer(new TarBuilder().rawPax(records("linkpath", new byte[] {'a', 0, 'b'})).symlink("s", "placeholder").bytes());
    UnsafeEntryException e = assertThrows(UnsafeEntryException.class, () -> unpacking.into(tmp));
    assertTrue(e.getMessage().contains("entry \"s\": NUL in symlink target"), e.getMessage());
  }
}
