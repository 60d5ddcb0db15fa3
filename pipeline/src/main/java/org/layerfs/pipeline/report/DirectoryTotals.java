package org.layerfs.pipeline.report;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * File bytes per directory, summed over every image's merged view, for the directories at most
 * {@link #DEPTH} levels deep: deep enough to say where the bytes go ({@code usr/lib/python3}),
 * shallow enough that the map stays small however many files the mirror holds.
 */
final class DirectoryTotals {
  static final int DEPTH = 3;

  private final Map<String, Long> bytes = new HashMap<>();

  /** Counts a file's bytes in each of its directories down to {@link #DEPTH}. */
  void addFile(String path, long size) {
    int depth = 0;
    for (int slash = path.indexOf('/'); slash >= 0 && depth < DEPTH; slash = path.indexOf('/', slash + 1)) {
      bytes.merge(path.substring(0, slash), size, Long::sum);
      depth++;
    }
  }

  List<FileSize> biggest(int limit) {
    Largest largest = new Largest(limit);
    bytes.forEach(largest::offer);
    return largest.biggestFirst();
  }
}
