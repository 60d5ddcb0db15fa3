package org.layerfs.pipeline.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.layerfs.io.files.DurableFiles;

/**
 * {@code --metrics FILE}: a run's figures in the Prometheus text exposition format, for
 * node_exporter's textfile collector, written under a temporary name and renamed (the collector
 * never reads half a file). The last success time is carried over from the previous file when
 * this run failed, so an alert on "no success for a day" keeps working.
 */
public final class MetricsFile {
  static final String LAST_SUCCESS = "layerfs_last_success_timestamp_seconds";

  private MetricsFile() {}

  /** Writes {@code file} for a run that ended at {@code end} after {@code seconds}. */
  public static void write(Path file, RunFigures figures, boolean success, double seconds, Instant end) throws IOException {
    String command = "command=\"" + escape(figures.command()) + "\"";
    double now = end.toEpochMilli() / 1000.0;
    double lastSuccess = success ? now : previousSuccess(file, command).orElse(0);
    StringBuilder text = new StringBuilder();
    family(text, "layerfs_images", "Images of the last run, by status.", command, "status", figures.images());
    family(text, "layerfs_layers", "Distinct layers of the last run, by outcome.", command, "outcome", figures.layers());
    family(text, "layerfs_blobs", "Blobs (layers and configs) of the last run, by outcome.", command, "outcome", figures.blobs());
    family(text, "layerfs_bytes", "Bytes the last run read (index, unpack) or copied (copy, sync, move).", command, "what", figures.bytes());
    gauge(text, "layerfs_run_duration_seconds", "Duration of the last run.", command, seconds);
    gauge(text, "layerfs_run_success", "1 when the last run succeeded for every image, else 0.", command, success ? 1 : 0);
    gauge(text, "layerfs_last_run_timestamp_seconds", "Unix time the last run ended.", command, now);
    gauge(text, LAST_SUCCESS, "Unix time the last successful run ended (0: none yet).", command, lastSuccess);
    DurableFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A label value as the format wants it: backslash, double quote and line feed escaped. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static void family(StringBuilder text, String name, String help, String command, String label, Map<String, Long> values) {
    if (values.isEmpty()) {
      return;
    }
    header(text, name, help);
    values.forEach((key, value) -> text.append(name).append('{').append(command).append(',').append(label).append("=\"")
        .append(escape(key)).append("\"} ").append(value).append('\n'));
  }

  private static void gauge(StringBuilder text, String name, String help, String command, double value) {
    header(text, name, help);
    text.append(name).append('{').append(command).append("} ").append(number(value)).append('\n');
  }

  private static void header(StringBuilder text, String name, String help) {
    text.append("# HELP ").append(name).append(' ').append(help).append('\n');
    text.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.3f", value);
  }

  /** The last success the previous file recorded for this command; none when there is no file or line. */
  private static OptionalDouble previousSuccess(Path file, String command) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return OptionalDouble.empty();
    }
    String prefix = LAST_SUCCESS + "{" + command + "} ";
    for (String line : lines) {
      if (line.startsWith(prefix)) {
        try {
          return OptionalDouble.of(Double.parseDouble(line.substring(prefix.length()).trim()));
        } catch (NumberFormatException e) {
          return OptionalDouble.empty(); // not a file this class wrote: nothing to keep
        }
      }
    }
    return OptionalDouble.empty();
  }
}
