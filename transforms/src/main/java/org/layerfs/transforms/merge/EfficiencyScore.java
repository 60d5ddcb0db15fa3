package org.layerfs.transforms.merge;

import java.util.HashMap;
import java.util.Map;

/**
 * dive's image efficiency score, accumulated as layers are applied.
 *
 * <p>dive walks the leaves of each layer's tree and, per path, sums the sizes of its appearances
 * and keeps the smallest; the score is the sum of the smallest sizes over the sum of all sizes. As
 * in dive: an appearance's size is the tar header size (regular files only; directories, links and
 * devices count 0); a path appears at most once per layer (dive's tree keeps the last tar entry for
 * a path) except that a whiteout marker is a node of its own beside a same-named entry; a whiteout
 * of a directory is sized by the regular files it removes, a whiteout of anything else by 0. The
 * callers decide what is a leaf and what a whiteout removes.
 */
final class EfficiencyScore {
  private final Map<String, PathSizes> paths = new HashMap<>();
  private int layer = -1;

  /** Starts counting the appearances of the next layer. */
  void nextLayer() {
    layer++;
  }

  /** An entry of the current layer; a later entry for the same path in this layer replaces it. */
  void entry(String path, long size) {
    sizes(path).entry(layer, size);
  }

  /** A whiteout marker of the current layer, sized as dive sizes it. */
  void whiteout(String path, long size) {
    sizes(path).add(size);
  }

  /** The score so far: 1.0 when no appearance had a size. */
  double score() {
    long minimum = 0;
    long cumulative = 0;
    for (PathSizes sizes : paths.values()) {
      minimum += sizes.minimum();
      cumulative += sizes.cumulative();
    }
    return cumulative == 0 ? 1.0 : (double) minimum / cumulative;
  }

  private PathSizes sizes(String path) {
    return paths.computeIfAbsent(path, p -> new PathSizes());
  }

  /** The appearances of one path: settled ones folded in, plus the current layer's entry. */
  private static final class PathSizes {
    private long settledCumulative;
    private long settledMinimum = Long.MAX_VALUE;
    // The latest layer that had an entry for this path, and that entry's size; -1 for none yet.
    private int entryLayer = -1;
    private long entrySize;

    void add(long size) {
      settledCumulative += size;
      settledMinimum = Math.min(settledMinimum, size);
    }

    void entry(int layer, long size) {
      if (entryLayer != layer && entryLayer >= 0) {
        add(entrySize);
      }
      entryLayer = layer;
      entrySize = size;
    }

    long cumulative() {
      return settledCumulative + (entryLayer >= 0 ? entrySize : 0);
    }

    long minimum() {
      return entryLayer >= 0 ? Math.min(settledMinimum, entrySize) : settledMinimum;
    }
  }
}
