package org.layerfs.transforms.merge;

import com.google.auto.value.AutoValue;
import java.io.Serializable;

/**
 * The figures of a merged view: how many entries it holds, the regular-file bytes the layers carry
 * and keep, the bytes wasted by files that later layers overwrite or remove, and dive's efficiency
 * score. Every regular file either survives or is wasted, so {@code totalBytes() == mergedBytes() +
 * wastedBytes()}.
 */
@AutoValue
public abstract class MergeStats implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Entries in the merged view. */
  public abstract long files();

  /** Content bytes of the regular files of all layers, each appearance counted. */
  public abstract long totalBytes();

  /** Content bytes of the regular files in the merged view. */
  public abstract long mergedBytes();

  /** Content bytes of lower regular files that a later entry or marker overwrites or removes. */
  public abstract long wastedBytes();

  /** dive's image efficiency score, in [0, 1]; 1.0 when no layer carries any bytes. */
  public abstract double efficiency();

  public static MergeStats create(
      long files, long totalBytes, long mergedBytes, long wastedBytes, double efficiency) {
    return new AutoValue_MergeStats(files, totalBytes, mergedBytes, wastedBytes, efficiency);
  }
}
