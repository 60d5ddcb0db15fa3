package org.layerfs.pipeline.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Decimals#oneDecimal} against the formatter it stands in for. */
class DecimalsTest {
  private static void asTheFormatter(double v) {
    assertEquals(String.format(Locale.ROOT, "%.1f", v), Decimals.oneDecimal(v), () -> Double.toString(v));
  }

  @Test
  void writesWhatTheFormatterWrites() {
    for (int k = 0; k <= 200_000; k++) {
      asTheFormatter(k / 1000.0);
      asTheFormatter(k / 100.0 + 0.05);
    }
    SplittableRandom random = new SplittableRandom(10);
    for (int i = 0; i < 100_000; i++) {
      asTheFormatter(random.nextDouble(0, 2048));
      asTheFormatter(random.nextDouble(0, 1e8));
    }
    for (double v : new double[] {0, -0.0, 1e-4, 0.00096, 0.001, 0.0495, 0.05, 0.95, 9.95, 99.95, 1023.95, 2.55, 1.35,
        9_999_999.95, 1e7, 1.5e7, -1.25, Double.NaN, Double.POSITIVE_INFINITY, Double.MAX_VALUE, Double.MIN_VALUE}) {
      asTheFormatter(v);
    }
  }
}
