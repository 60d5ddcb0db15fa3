package org.layerfs.transforms.copy;

import org.layerfs.transforms.layer.LayerMetrics;

/**
 * The Beam metrics copies report. Blobs count on the layer counters the progress line reads
 * ({@link LayerMetrics#LAYERS_TOTAL}, {@link LayerMetrics#BYTES_DONE}, ...), so one display serves
 * every job; the bytes actually written are counted apart.
 */
public final class CopyMetrics {
  /** Bytes written to destinations (blobs already there count in {@link LayerMetrics#BYTES_DONE} only). */
  public static final String BYTES_COPIED = "bytesCopied";

  public static final String BLOBS_COPIED = LayerMetrics.LAYERS_INDEXED;
  public static final String BLOBS_PRESENT = LayerMetrics.LAYERS_CACHED;
  public static final String BLOBS_FAILED = LayerMetrics.LAYERS_FAILED;

  private CopyMetrics() {}
}
