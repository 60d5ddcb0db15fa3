package org.layerfs.pipeline.unpack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.testing.RawTree;
import org.layerfs.pipeline.testing.Layouts;

/**
 * Names are bytes and the locale does not matter: layers written by Python's tarfile (PAX with
 * {@code hdrcharset=BINARY}, GNU with latin-1 headers and a long name, a binary xattr) are
 * unpacked by layerfs running under {@code LC_ALL=POSIX}, and the tree, listed with names as
 * bytes, equals what {@code umoci unpack} and GNU {@code tar -xp} make of the same layers.
 * {@code index} and {@code diff} give the same output under POSIX as under C.UTF-8.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NamesLocaleTest {
  private static final String ADD_OPENS = "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED";
  @TempDir static Path tmp;
  static Path layout;
  static List<Path> layers;

  /** What a command printed and returned. */
  record Run(int exit, byte[] out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + new String(out, UTF_8) + "--- stderr\n" + err;
    }
  }

  @BeforeAll
  static void makeLayers() throws Exception {
    Path made = Files.createDirectory(tmp.resolve("layers"));
    Path script = made.resolve("make_layers.py");
    try (InputStream in = NamesLocaleTest.class.getResourceAsStream("/names/make_layers.py")) {
      Files.copy(in, script);
    }
    check(exec(List.of("python3", script.toString(), made.toString()), "C.UTF-8"));
    layers = List.of(made.resolve("pax.tar"), made.resolve("gnu.tar"));
    layout = tmp.resolve("layout");
    Layouts.writeImages(layout, Map.of(
        "names", List.of(Files.readAllBytes(layers.get(0)), Files.readAllBytes(layers.get(1))),
        "base", List.of(Files.readAllBytes(layers.get(1)))));
  }

  @Test
  void unpackUnderPosixEqualsUmociAndGnuTar() throws Exception {
    Path dir = tmp.resolve("layerfs");
    Run r = layerfs("POSIX", true, "unpack", "oci:" + layout + ":names", dir.toString(), "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, r.exit(), r::toString);

    Path bundle = tmp.resolve("umoci");
    check(exec(List.of("umoci", "unpack", "--image", layout + ":names", bundle.toString()), "C.UTF-8"));
    Path gnu = Files.createDirectory(tmp.resolve("gnutar"));
    for (Path layer : layers) {
      check(exec(List.of("tar", "-xp", "--xattrs", "--xattrs-include=user.*", "-f", layer.toString(), "-C", gnu.toString()), "C.UTF-8"));
    }

    Map<String, String> layerfs = RawTree.list(dir);
    assertEquals(RawTree.list(bundle.resolve("rootfs")), layerfs, "umoci unpack");
    assertEquals(RawTree.list(gnu), layerfs, "tar -xp");
    assertEquals(10, layerfs.size(), layerfs.toString());
    assertTrue(layerfs.get(RawTree.hex(new byte[] {'x', '-', 'c', 'a', 'f', (byte) 0xe9})).endsWith(" user.bin=dead00ef user.text=68c3a9"),
        layerfs.toString());
  }

  @Test
  void rootlessOwnersFileKeepsNamesBytes() throws Exception {
    Path dir = tmp.resolve("rootless");
    Run r = layerfs("POSIX", true, "unpack", "oci:" + layout + ":names", dir.toString(), "--rootless",
        "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(0, r.exit(), r::toString);
    List<String> owners = Files.readAllLines(UnpackJob.ownersFile(dir), UTF_8);
    assertEquals(9, owners.size(), owners::toString); // every entry but the hardlink, which shares its target's inode
    assertTrue(owners.contains("{\"path\":\"d-caf\uFFFD/f\uFFFD\",\"pathBase64\":\"ZC1jYWbpL2b/\",\"uid\":0,\"gid\":0}"), owners::toString);
    assertTrue(owners.contains("{\"path\":\"d-caf\uFFFD/f\uFFFD\",\"pathBase64\":\"ZC1jYWbpL2b+\",\"uid\":0,\"gid\":0}"), owners::toString);
  }

  @Test
  void withoutAccessToUnixPathsANonAsciiNameFailsNamingEntryLayerAndFix() throws Exception {
    Path dir = tmp.resolve("no-add-opens");
    Run r = layerfs("POSIX", false, "unpack", "oci:" + layout + ":names", dir.toString(), "--cache-dir", tmp.resolve("cache").toString());
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("layer sha256:"), r::toString);
    assertTrue(r.err().contains("--add-opens java.base/sun.nio.fs=ALL-UNNAMED"), r::toString);
    assertTrue(r.err().contains("entry \"d-caf"), r::toString);
    assertTrue(r.err().contains("not created"), r::toString);
  }

  @Test
  void indexAndDiffPrintTheSameUnderPosixAsUnderUtf8() throws Exception {
    byte[] posix = merged("POSIX");
    assertArrayEquals(merged("C.UTF-8"), posix);
    String view = new String(posix, UTF_8);
    assertTrue(view.contains("\"path\":\"d-caf\uFFFD/f\uFFFD\",\"pathBase64\":\"ZC1jYWbpL2b/\""), view);
    assertTrue(view.contains("\"xattrsBase64\":{\"user.bin\":\"3q0A7w==\"}"), view);

    for (String json : List.of("--json", "--text")) {
      List<String> args = new ArrayList<>(List.of("diff", "oci:" + layout + ":base", "oci:" + layout + ":names",
          "--cache-dir", tmp.resolve("diff-cache").toString()));
      if (json.equals("--json")) {
        args.add(json);
      }
      Run p = layerfs("POSIX", true, args.toArray(String[]::new));
      Run u = layerfs("C.UTF-8", true, args.toArray(String[]::new));
      assertEquals(0, p.exit(), p::toString);
      assertEquals(new String(u.out(), UTF_8), new String(p.out(), UTF_8));
      assertArrayEquals(u.out(), p.out());
      String out = new String(p.out(), UTF_8);
      assertTrue(out.contains(json.equals("--json") ? "\"pathBase64\" : \"ZC1jYWbpL2b/\"" : "A d-caf\uFFFD/f\uFFFD (file)"), out);
    }
  }

  /** The merged view {@code index} writes for the image, run under {@code locale}. */
  private static byte[] merged(String locale) throws Exception {
    Path out = tmp.resolve("index-" + locale);
    Run r = layerfs(locale, true, "index", "oci:" + layout + ":names", "--out", out.toString(), "--cache-dir", out + "-cache");
    assertEquals(0, r.exit(), r::toString);
    try (Stream<Path> s = Files.walk(out.resolve("merged"))) {
      List<Path> views = s.filter(Files::isRegularFile).toList();
      assertEquals(1, views.size(), views::toString);
      return Files.readAllBytes(views.get(0));
    }
  }

  /** Runs the command line in a JVM of its own, as the launcher does, under {@code locale}. */
  private static Run layerfs(String locale, boolean addOpens, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (addOpens) {
      cmd.add(ADD_OPENS);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.layerfs.pipeline.Main"));
    cmd.addAll(List.of(args));
    return exec(cmd, locale);
  }

  /** Runs {@code cmd} with {@code LC_ALL=locale} and no other locale variable. */
  private static Run exec(List<String> cmd, String locale) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.equals("LANGUAGE"));
    pb.environment().put("LC_ALL", locale);
    Path err = Files.createTempFile(tmp, "stderr", ".txt");
    Process p = pb.redirectError(err.toFile()).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Run(p.exitValue(), out, Files.readString(err, UTF_8));
  }

  private static void check(Run r) {
    assertEquals(0, r.exit(), r::toString);
  }
}
