package org.layerfs.pipeline.run;

import java.io.PrintStream;
import java.util.Locale;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * The progress of a layer job, from Beam metrics: on a terminal one line rewritten in place,
 * otherwise a plain log line now and then.
 */
public final class Progress {
  private final PrintStream out;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private long lastLog = start;

  public Progress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Shows the current state; on a terminal every call, otherwise every 10 seconds after the start. */
  public void update(JobMetrics m) {
    long now = System.nanoTime();
    if (!terminal && now - lastLog < 10_000_000_000L) {
      return;
    }
    lastLog = now;
    String line = line(m, now);
    if (terminal) {
      out.print("\r" + line + "\033[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Ends the progress line. */
  public void finish(JobMetrics m) {
    if (terminal) {
      out.print("\r" + line(m, System.nanoTime()) + "\033[K\n");
      out.flush();
    }
  }

  private String line(JobMetrics m, long now) {
    long layersTotal = m.counter(LayerMetrics.LAYERS_TOTAL);
    long layersDone =
        m.counter(LayerMetrics.LAYERS_INDEXED) + m.counter(LayerMetrics.LAYERS_CACHED) + m.counter(LayerMetrics.LAYERS_FAILED);
    long bytesTotal = m.counter(LayerMetrics.BYTES_TOTAL);
    long bytesDone = m.counter(LayerMetrics.BYTES_DONE);
    double seconds = Math.max((now - start) / 1e9, 1e-3);
    double rate = bytesDone / seconds;
    String eta = rate > 0 && bytesTotal > bytesDone ? String.format(Locale.ROOT, ", %ds left", (long) ((bytesTotal - bytesDone) / rate)) : "";
    return String.format(
        Locale.ROOT, "layers %d/%d, %s/%s, %s/s%s", layersDone, layersTotal, Sizes.human(bytesDone), Sizes.human(bytesTotal), Sizes.human((long) rate), eta);
  }
}
