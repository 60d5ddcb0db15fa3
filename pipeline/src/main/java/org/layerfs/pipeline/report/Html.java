package org.layerfs.pipeline.report;

/** HTML text escaping: names in a catalog may hold any character, {@code <}, quotes and U+FFFD included. */
final class Html {
  private Html() {}

  /** {@code text} safe inside an element or a quoted attribute; control characters shown as {@code \xNN}. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    text.codePoints().forEach(c -> {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
            out.append(String.format("\\x%02x", c));
          } else if (c >= 0xd800 && c <= 0xdfff) {
            out.append('\ufffd'); // a lone surrogate cannot be written as UTF-8
          } else {
            out.appendCodePoint(c);
          }
        }
      }
    });
    return out.toString();
  }
}
