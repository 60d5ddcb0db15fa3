package org.layerfs.pipeline.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LargestTest {
  @Test
  void keepsTheBiggestOnlyBiggestFirstTiesByPath() {
    Largest largest = new Largest(3);
    largest.offer("a", 5);
    largest.offer("b", 1);
    largest.offer("c", 9);
    largest.offer("d", 5);
    largest.offer("e", 2);
    assertEquals(List.of(new FileSize("c", 9), new FileSize("a", 5), new FileSize("d", 5)), largest.biggestFirst());
  }

  @Test
  void directoriesAreCountedDownToTheirDepth() {
    DirectoryTotals totals = new DirectoryTotals();
    totals.addFile("usr/lib/x/y/z.so", 10);
    totals.addFile("usr/bin/sh", 1);
    totals.addFile("top-level-file", 100);
    assertEquals(List.of(new FileSize("usr", 11), new FileSize("usr/lib", 10), new FileSize("usr/lib/x", 10),
        new FileSize("usr/bin", 1)), totals.biggest(10));
  }
}
