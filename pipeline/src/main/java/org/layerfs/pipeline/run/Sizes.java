package org.layerfs.pipeline.run;

/** Byte counts for people: {@code 1.5 MiB}. */
public final class Sizes {
  private Sizes() {}

  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return Decimals.oneDecimal(v) + " " + units[u];
  }
}
