package org.layerfs.transforms.tar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Names (and xattr values) are bytes; the code holds them as Strings decoded losslessly, as
 * Python's {@code surrogateescape} does: valid UTF-8 decodes as usual, and every byte of an
 * invalid sequence (always {@code >= 0x80}) becomes the lone surrogate {@code U+DC80 + (b - 0x80)}.
 * {@link #encode} maps those back, so the bytes survive exactly; names that are UTF-8 are the
 * Strings they always were, and {@code /}, {@code .} and {@code .wh.} stay ASCII.
 */
public final class TarNames {
  private static final char ESCAPE_BASE = '\uDC00';
  private static final char ESCAPE_FIRST = '\uDC80';
  private static final char ESCAPE_LAST = '\uDCFF';

  private TarNames() {}

  /** The String form of {@code bytes}: UTF-8 where valid, escaped bytes elsewhere. */
  public static String decode(byte[] bytes) {
    StringBuilder s = new StringBuilder(bytes.length);
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xff;
      if (b < 0x80) {
        s.append((char) b);
        i++;
        continue;
      }
      int n = sequenceLength(bytes, i);
      if (n == 0) {
        s.append((char) (ESCAPE_BASE + b));
        i++;
      } else {
        s.append(new String(bytes, i, n, StandardCharsets.UTF_8));
        i += n;
      }
    }
    return s.toString();
  }

  /**
   * The length of the valid UTF-8 sequence starting at {@code i} (a byte {@code >= 0x80}), or 0:
   * no overlong forms, no encoded surrogates, nothing past U+10FFFF (RFC 3629).
   */
  private static int sequenceLength(byte[] bytes, int i) {
    int b = bytes[i] & 0xff;
    int n;
    int lo = 0x80;
    int hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      n = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 3;
      lo = b == 0xe0 ? 0xa0 : 0x80;
      hi = b == 0xed ? 0x9f : 0xbf;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 4;
      lo = b == 0xf0 ? 0x90 : 0x80;
      hi = b == 0xf4 ? 0x8f : 0xbf;
    } else {
      return 0;
    }
    if (i + n > bytes.length) {
      return 0;
    }
    int second = bytes[i + 1] & 0xff;
    if (second < lo || second > hi) {
      return 0;
    }
    for (int k = 2; k < n; k++) {
      int c = bytes[i + k] & 0xff;
      if (c < 0x80 || c > 0xbf) {
        return 0;
      }
    }
    return n;
  }

  /**
   * The bytes {@code name} stands for: escaped bytes as themselves, everything else as UTF-8 (a
   * lone surrogate that {@link #decode} never makes becomes {@code ?}).
   */
  public static byte[] encode(String name) {
    if (isUtf8(name)) {
      return name.getBytes(StandardCharsets.UTF_8);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(name.length());
    int start = 0;
    for (int i = 0; i < name.length(); i++) {
      if (isEscape(name, i)) {
        out.writeBytes(name.substring(start, i).getBytes(StandardCharsets.UTF_8));
        out.write(name.charAt(i) - ESCAPE_BASE);
        start = i + 1;
      }
    }
    out.writeBytes(name.substring(start).getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** True when {@code name}'s bytes are valid UTF-8 (it holds no escaped byte). */
  public static boolean isUtf8(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (isEscape(name, i)) {
        return false;
      }
    }
    return true;
  }

  /** {@code name} for people: each escaped byte shown as U+FFFD. */
  public static String display(String name) {
    if (isUtf8(name)) {
      return name;
    }
    StringBuilder s = new StringBuilder(name);
    for (int i = 0; i < s.length(); i++) {
      if (isEscape(name, i)) {
        s.setCharAt(i, '\uFFFD');
      }
    }
    return s.toString();
  }

  /** An escaped byte: a low surrogate in the escape range that is not the second half of a pair. */
  private static boolean isEscape(String s, int i) {
    char c = s.charAt(i);
    return c >= ESCAPE_FIRST && c <= ESCAPE_LAST && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
  }
}
