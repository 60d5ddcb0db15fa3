package org.layerfs.pipeline.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one run, filled by the command from the same counts its report prints: images
 * by status, layers and blobs by outcome, bytes. What the command did not fill stays out of the
 * metrics file.
 */
public final class RunFigures {
  private final String command;
  private final Map<String, Long> images = new LinkedHashMap<>();
  private final Map<String, Long> layers = new LinkedHashMap<>();
  private final Map<String, Long> blobs = new LinkedHashMap<>();
  private final Map<String, Long> bytes = new LinkedHashMap<>();

  public RunFigures(String command) {
    this.command = command;
  }

  public String command() {
    return command;
  }

  public RunFigures images(String status, long count) {
    images.put(status, count);
    return this;
  }

  public RunFigures layers(String outcome, long count) {
    layers.put(outcome, count);
    return this;
  }

  public RunFigures blobs(String outcome, long count) {
    blobs.put(outcome, count);
    return this;
  }

  /** {@code what}: {@code read} (layer bytes an index read) or {@code copied}. */
  public RunFigures bytes(String what, long count) {
    bytes.put(what, count);
    return this;
  }

  Map<String, Long> images() {
    return images;
  }

  Map<String, Long> layers() {
    return layers;
  }

  Map<String, Long> blobs() {
    return blobs;
  }

  Map<String, Long> bytes() {
    return bytes;
  }
}
