package org.layerfs.transforms.copy;

import org.layerfs.transforms.layer.LayerMetrics;

/**
 * The Beam metrics copies report, in {@link LayerMetrics#NAMESPACE}. A copy counts blobs (layers
 * and configs alike; manifests are committed apart), never layers; its bytes count on the byte
 * counters every job shares ({@link LayerMetrics#BYTES_TOTAL}, {@link LayerMetrics#BYTES_DONE}),
 * which the progress line reads, and the bytes actually written apart.
 */
public final class CopyMetrics {
  /** Distinct blobs the copy has to bring to its destinations. */
  public static final String BLOBS_TOTAL = "blobsTotal";

  public static final String BLOBS_COPIED = "blobsCopied";

  /** Blobs the destination already had: verified there, not written. */
  public static final String BLOBS_PRESENT = "blobsAlreadyThere";

  public static final String BLOBS_FAILED = "blobsFailed";

  /** Bytes written to destinations (blobs already there count in {@link LayerMetrics#BYTES_DONE} only). */
  public static final String BYTES_COPIED = "bytesCopied";

  /** Referrers and legacy cosign tags to commit, apart from the images they travel with. */
  public static final String REFERRERS_TOTAL = "referrersTotal";

  public static final String REFERRERS_DONE = "referrersDone";

  public static final String REFERRERS_FAILED = "referrersFailed";

  private CopyMetrics() {}
}
