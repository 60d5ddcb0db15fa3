package org.layerfs.pipeline.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** The {@code limit} biggest of a stream of paths, kept in bounded memory. */
final class Largest {
  private static final Comparator<FileSize> ORDER =
      Comparator.comparingLong(FileSize::bytes).thenComparing(FileSize::path, Comparator.reverseOrder());

  private final int limit;
  private final PriorityQueue<FileSize> smallestFirst = new PriorityQueue<>(ORDER);

  Largest(int limit) {
    this.limit = limit;
  }

  void offer(String path, long bytes) {
    FileSize candidate = new FileSize(path, bytes);
    if (smallestFirst.size() < limit) {
      smallestFirst.add(candidate);
    } else if (ORDER.compare(candidate, smallestFirst.peek()) > 0) {
      smallestFirst.poll();
      smallestFirst.add(candidate);
    }
  }

  /** Biggest first; equal sizes by path. */
  List<FileSize> biggestFirst() {
    List<FileSize> out = new ArrayList<>(smallestFirst);
    out.sort(ORDER.reversed());
    return out;
  }
}
