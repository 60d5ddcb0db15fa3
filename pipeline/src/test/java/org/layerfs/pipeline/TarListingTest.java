package org.layerfs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.io.testing.TestData;
import org.layerfs.io.testing.Tools;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.IndexRun;

/**
 * Each layer's {@code files/} catalog lists what GNU {@code tar -tv} lists for the decompressed
 * blob: the same entries in the same order, with the same type, mode, owner, size, mtime and link
 * target (paths normalised as the catalog writes them; the root {@code ./} is the path "").
 */
class TarListingTest {
  /** {@code tar -tv --numeric-owner --full-time} line: type+perms, uid/gid, size or dev, date time, name. */
  private static final Pattern LINE = Pattern.compile(
      "^([-dlhpcb])([-rwxsStT]{9})\\s+(\\d+)/(\\d+)\\s+(\\d+|\\d+,\\s*\\d+)\\s+(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)(?:\\.\\d+)? (.*)$");
  private static final Map<String, String> LETTER =
      Map.of("file", "-", "dir", "d", "symlink", "l", "hardlink", "h", "fifo", "p", "char", "c", "block", "b");

  /** One listed entry, as both sides can state it. */
  record Entry(String path, String type, String mode, long uid, long gid, String size, long mtime, String target) {
    @Override
    public String toString() {
      return type + " " + mode + " " + uid + "/" + gid + " " + size + " @" + mtime + " " + path + (target == null ? "" : " => " + target);
    }
  }

  /** Every layer of every image of the fixture layout (layered and its zstd copy among them). */
  static Stream<Arguments> layers() throws IOException {
    ImageReference ref = ImageReference.parse(Fixtures.images());
    List<Arguments> out = new ArrayList<>();
    try (ImageSource source = ImageSources.open(ref)) {
      for (ResolvedImage image : source.resolve(ref, Optional.empty()).images()) {
        List<Descriptor> layers = image.manifest().layers();
        for (int i = 0; i < layers.size(); i++) {
          out.add(Arguments.of(image.name().substring(image.name().lastIndexOf(':') + 1), i, layers.get(i).digest().toString()));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} layer {1}")
  @MethodSource("layers")
  void catalogListsWhatTarLists(String image, int index, String digest) throws Exception {
    Path blob = TestData.images().resolve("blobs").resolve(IndexRun.algorithm(digest)).resolve(IndexRun.hex(digest));
    List<Entry> listed = tarList(blob);
    List<Entry> catalog = new ArrayList<>();
    for (JsonNode f : Fixtures.shared().files(digest)) {
      catalog.add(entry(f));
    }
    assertTrue(listed.size() >= 1, "tar listed nothing for " + blob);
    assertEquals(join(listed), join(catalog), image + " layer " + index + " " + digest);
  }

  private static String join(List<Entry> entries) {
    StringBuilder b = new StringBuilder();
    entries.forEach(e -> b.append(e).append('\n'));
    return b.toString();
  }

  private static Entry entry(JsonNode f) {
    String type = f.get("type").asText();
    String size = switch (type) {
      case "file" -> f.get("size").asText();
      case "char", "block" -> f.get("devMajor").asText() + "," + f.get("devMinor").asText();
      default -> "-";
    };
    String target = type.equals("symlink") || type.equals("hardlink") ? f.get("linkTarget").asText() : null;
    return new Entry(f.get("path").asText(), LETTER.get(type), f.get("mode").asText(), f.get("uid").asLong(), f.get("gid").asLong(),
        size, f.get("mtime").asLong(), target);
  }

  /** Decompresses the blob (told by its magic bytes) into {@code tar -tv} and parses the listing. */
  static List<Entry> tarList(Path blob) throws IOException, InterruptedException {
    byte[] magic = new byte[4];
    try (InputStream in = Files.newInputStream(blob)) {
      in.readNBytes(magic, 0, 4);
    }
    String decompress;
    Tools.require("tar");
    if ((magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      Tools.require("gzip");
      decompress = "gzip -dc";
    } else if ((magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      Tools.require("zstd");
      decompress = "zstd -dc";
    } else {
      decompress = "cat";
    }
    ProcessBuilder pb = new ProcessBuilder("bash", "-c",
        "set -o pipefail; " + decompress + " < \"$1\" | tar -tv --numeric-owner --full-time --quoting-style=literal -f -",
        "tar-list", blob.toString());
    pb.environment().put("TZ", "UTC");
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), () -> "tar -tv of " + blob + ":\n" + out);

    List<Entry> entries = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      assertTrue(m.matches(), "unparsed tar -tv line: " + line);
      String letter = m.group(1);
      String name = m.group(7);
      String target = null;
      String sep = letter.equals("l") ? " -> " : letter.equals("h") ? " link to " : null;
      if (sep != null) {
        int at = name.indexOf(sep);
        assertTrue(at > 0, line);
        target = name.substring(at + sep.length());
        name = name.substring(0, at);
      }
      String path = normalise(name);
      if (path.isEmpty() && !letter.equals("d")) {
        continue; // the root can only be a directory; its own entry "./" is the catalog's ""
      }
      if (letter.equals("h")) {
        target = normalise(target);
      }
      String size = switch (letter) {
        case "-" -> m.group(5);
        case "c", "b" -> m.group(5).replaceAll("\\s", "");
        default -> "-";
      };
      long mtime = LocalDateTime.parse(m.group(6).replace(' ', 'T')).toEpochSecond(ZoneOffset.UTC);
      entries.add(new Entry(path, letter, mode(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), size, mtime, target));
    }
    return entries;
  }

  /** Strips {@code ./} and {@code /} prefixes and a trailing {@code /}; {@code .} becomes empty. */
  private static String normalise(String name) {
    String p = name;
    while (p.startsWith("./") || p.startsWith("/")) {
      p = p.substring(p.startsWith("./") ? 2 : 1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.equals(".") ? "" : p;
  }

  /** {@code rwsr-xr-x} as a 4-digit octal mode ({@code 4755}). */
  static String mode(String perms) {
    int mode = 0;
    int[] bits = {0400, 0200, 0100, 040, 020, 010, 04, 02, 01};
    for (int i = 0; i < 9; i++) {
      char c = perms.charAt(i);
      if (c == 'r' || c == 'w' || c == 'x') {
        mode |= bits[i];
      } else if (c == 's' || c == 't') {
        mode |= bits[i] | special(i);
      } else if (c == 'S' || c == 'T') {
        mode |= special(i);
      }
    }
    return String.format("%04o", mode);
  }

  private static int special(int position) {
    return switch (position) {
      case 2 -> 04000;
      case 5 -> 02000;
      case 8 -> 01000;
      default -> throw new IllegalArgumentException("no special bit at " + position);
    };
  }
}
