package org.layerfs.transforms.unpack;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.layerfs.transforms.tar.TarNames;

/**
 * Sets xattrs outside the {@code user.} namespace ({@code security.capability}, {@code trusted.*}),
 * which Java cannot, as root, and any whose name is not printable ASCII, which Java would pass
 * through the platform charset: through {@code setfattr --restore} (Debian package {@code attr}).
 * The path and values go through standard input in getfattr's dump format, octal-escaped and
 * hex-encoded, so no byte of a name passes through the platform charset and no link is followed.
 */
final class PrivilegedXattrs {
  private static final String SETFATTR = "setfattr";

  private PrivilegedXattrs() {}

  /**
   * Sets {@code xattrs} (name to value, as {@link TarNames} strings) on {@code path}, relative to
   * {@code root} ("" is the root). Returns why they could not be set, if they could not.
   */
  static Optional<String> set(Path root, String path, Map<String, String> xattrs) throws IOException {
    if (xattrs.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder dump = new StringBuilder("# file: ").append(path.isEmpty() ? "." : escape(TarNames.encode(path))).append('\n');
    for (Map.Entry<String, String> x : xattrs.entrySet()) {
      dump.append(escape(TarNames.encode(x.getKey()))).append("=0x").append(hex(TarNames.encode(x.getValue()))).append('\n');
    }
    Process p;
    try {
      p = new ProcessBuilder(SETFATTR, "-h", "--restore=-").directory(root.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      return Optional.of(SETFATTR + " (Debian package attr) is not installed");
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(dump.append('\n').toString().getBytes(StandardCharsets.US_ASCII));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of(SETFATTR + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(SETFATTR + ": interrupted", e);
    }
    return p.exitValue() == 0 ? Optional.empty() : Optional.of(SETFATTR + ": " + TarNames.display(out));
  }

  /**
   * getfattr's escaping: every byte but a plain printable one as {@code \ooo} (and {@code =},
   * which would end an xattr's name); setfattr reads the name's bytes back from it.
   */
  private static String escape(byte[] name) {
    StringBuilder s = new StringBuilder();
    for (byte b : name) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != '\\' && c != '=') {
        s.append((char) c);
      } else {
        s.append('\\').append(String.format("%03o", c));
      }
    }
    return s.toString();
  }

  private static String hex(byte[] value) {
    StringBuilder s = new StringBuilder(value.length * 2);
    for (byte b : value) {
      s.append(String.format("%02x", b & 0xff));
    }
    return s.toString();
  }
}
