package org.layerfs.pipeline.run;

import java.util.Locale;

/**
 * Numbers with one decimal place, as {@code String.format(Locale.ROOT, "%.1f", v)} writes them
 * (the digits of {@link Double#toString}, rounded half up), without {@code java.util.Formatter}:
 * its first use loads the JDK's locale data for the number symbols, 0.03 CPU s of a program that
 * prints one line, which was the summary line of a sync with nothing to do (README, "Start-up,
 * seventh session").
 */
public final class Decimals {
  private Decimals() {}

  public static String oneDecimal(double v) {
    String digits = Double.toString(v);
    int dot = digits.indexOf('.');
    if (dot < 0 || digits.charAt(0) == '-' || digits.indexOf('E') >= 0) {
      // NaN, infinities, negative numbers, below 0.001 or from 10^7: not a report's, the formatter's
      return String.format(Locale.ROOT, "%.1f", v);
    }
    long tenths = Long.parseLong(digits, 0, dot, 10) * 10 + (digits.charAt(dot + 1) - '0');
    if (dot + 2 < digits.length() && digits.charAt(dot + 2) >= '5') {
      tenths++;
    }
    return tenths / 10 + "." + tenths % 10;
  }
}
