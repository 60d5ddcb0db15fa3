package org.layerfs.transforms.unpack;

import com.google.auto.value.AutoValue;

/**
 * The bounds an unpack enforces on what a layer may ask for, so that a hostile layer fails with a
 * clear error instead of filling the disk or the heap. The defaults are far above what real
 * images need.
 */
@AutoValue
public abstract class UnpackLimits {

  /** Tar entries in one layer, whiteouts included. */
  public abstract long maxEntriesPerLayer();

  /** Bytes of an entry's name, and of a symlink's or hardlink's target. */
  public abstract int maxPathLength();

  /** Bytes of one PAX extended header or GNU long name, which the tar reader holds in memory. */
  public abstract int maxPaxRecordSize();

  /** Content bytes of one file. */
  public abstract long maxFileSize();

  /** Uncompressed bytes of one layer: bounds a decompression bomb, written or not. */
  public abstract long maxLayerBytes();

  /** Content bytes written into the tree for one image. */
  public abstract long maxTotalBytes();

  public abstract Builder toBuilder();

  /** 1M entries per layer, 4096-byte paths, 1 MiB PAX headers, 16 GiB files, 64 GiB layers, 256 GiB trees. */
  public static UnpackLimits defaults() {
    return new AutoValue_UnpackLimits.Builder()
        .setMaxEntriesPerLayer(1_000_000)
        .setMaxPathLength(4096)
        .setMaxPaxRecordSize(1 << 20)
        .setMaxFileSize(16L << 30)
        .setMaxLayerBytes(64L << 30)
        .setMaxTotalBytes(256L << 30)
        .build();
  }

  /** Changes one or more limits. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setMaxEntriesPerLayer(long n);

    public abstract Builder setMaxPathLength(int bytes);

    public abstract Builder setMaxPaxRecordSize(int bytes);

    public abstract Builder setMaxFileSize(long bytes);

    public abstract Builder setMaxLayerBytes(long bytes);

    public abstract Builder setMaxTotalBytes(long bytes);

    public abstract UnpackLimits build();
  }
}
