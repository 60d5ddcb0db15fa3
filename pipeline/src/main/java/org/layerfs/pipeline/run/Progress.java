package org.layerfs.pipeline.run;

import com.google.common.collect.ImmutableList;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import org.layerfs.transforms.copy.CopyMetrics;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * The progress of a job, from Beam metrics: what it counts (layers indexed, blobs copied) and
 * bytes done of the total, the rate and the time left. On a terminal one line rewritten in
 * place, otherwise a plain log line now and then.
 */
public final class Progress {
  /** Things a job counts: a label, the counter of how many there are, those of each ending. */
  private record Counted(String label, String total, ImmutableList<String> done) {}

  private static final ImmutableList<Counted> COUNTED = ImmutableList.of(
      new Counted("layers", LayerMetrics.LAYERS_TOTAL,
          ImmutableList.of(LayerMetrics.LAYERS_INDEXED, LayerMetrics.LAYERS_CACHED, LayerMetrics.LAYERS_FAILED)),
      new Counted("blobs", CopyMetrics.BLOBS_TOTAL,
          ImmutableList.of(CopyMetrics.BLOBS_COPIED, CopyMetrics.BLOBS_PRESENT, CopyMetrics.BLOBS_FAILED)),
      new Counted("referrers", CopyMetrics.REFERRERS_TOTAL,
          ImmutableList.of(CopyMetrics.REFERRERS_DONE, CopyMetrics.REFERRERS_FAILED)));

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
    update(m::counter);
  }

  /** Shows the state {@code counters} (by name) give, as {@link #update(JobMetrics)}. */
  public synchronized void update(ToLongFunction<String> counters) {
    long now = System.nanoTime();
    if (!terminal && now - lastLog < 10_000_000_000L) {
      return;
    }
    lastLog = now;
    String line = line(counters, seconds(now));
    if (terminal) {
      out.print("\r" + line + "\033[K");
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Ends the progress line. */
  public synchronized void finish(JobMetrics m) {
    if (terminal) {
      out.print("\r" + line(m::counter, seconds(System.nanoTime())) + "\033[K\n");
      out.flush();
    }
  }

  private double seconds(long now) {
    return Math.max((now - start) / 1e9, 1e-3);
  }

  /** The line for {@code counters} after {@code seconds}: {@code blobs 3/7, 1.0 MiB/2.0 MiB, ...}. */
  static String line(ToLongFunction<String> counters, double seconds) {
    List<String> parts = new ArrayList<>();
    for (Counted c : COUNTED) {
      long total = counters.applyAsLong(c.total());
      if (total > 0) {
        long done = c.done().stream().mapToLong(counters).sum();
        parts.add(String.format(Locale.ROOT, "%s %d/%d", c.label(), done, total));
      }
    }
    long bytesTotal = counters.applyAsLong(LayerMetrics.BYTES_TOTAL);
    long bytesDone = counters.applyAsLong(LayerMetrics.BYTES_DONE);
    double rate = bytesDone / seconds;
    String eta = rate > 0 && bytesTotal > bytesDone ? String.format(Locale.ROOT, ", %ds left", (long) ((bytesTotal - bytesDone) / rate)) : "";
    parts.add(String.format(
        Locale.ROOT, "%s/%s, %s/s%s", Sizes.human(bytesDone), Sizes.human(bytesTotal), Sizes.human((long) rate), eta));
    return String.join(", ", parts);
  }
}
