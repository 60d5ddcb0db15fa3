package org.layerfs.pipeline.report;

import java.util.List;
import java.util.Locale;

/** Horizontal bar charts as inline SVG: one labelled bar a row, scaled to the largest value. */
final class Bars {
  private static final int ROW = 22;
  private static final int LABEL = 360;
  private static final int BAR = 420;
  private static final int VALUE = 110;

  /** One bar: its label, its value and the text shown after it. */
  record Bar(String label, long value, String shown) {}

  private Bars() {}

  static String svg(String title, List<Bar> bars) {
    long max = bars.stream().mapToLong(Bar::value).max().orElse(0);
    int width = LABEL + BAR + VALUE;
    int height = Math.max(1, bars.size()) * ROW;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
        width, height, width, height));
    s.append("<title>").append(Html.escape(title)).append("</title>");
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      int y = i * ROW;
      int length = max == 0 ? 0 : (int) Math.max(bar.value() > 0 ? 1 : 0, Math.round((double) bar.value() / max * BAR));
      s.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", LABEL - 8, y + 15, Html.escape(shorten(bar.label()))));
      s.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%s</title></rect>",
          LABEL, y + 3, length, ROW - 6, Html.escape(bar.label() + ": " + bar.shown())));
      s.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\">%s</text>", LABEL + length + 6, y + 15, Html.escape(bar.shown())));
    }
    return s.append("</svg>").toString();
  }

  /** A label that fits its column: the end of a long path says more than its start. */
  private static String shorten(String label) {
    return label.codePointCount(0, label.length()) <= 48
        ? label
        : "…" + label.substring(label.offsetByCodePoints(label.length(), -47));
  }
}
