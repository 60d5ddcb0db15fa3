package org.layerfs.transforms.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.layerfs.transforms.merge.Entries.dir;
import static org.layerfs.transforms.merge.Entries.file;
import static org.layerfs.transforms.merge.Entries.hardlink;
import static org.layerfs.transforms.merge.Entries.layer;
import static org.layerfs.transforms.merge.Entries.opaque;
import static org.layerfs.transforms.merge.Entries.symlink;
import static org.layerfs.transforms.merge.Entries.whiteout;
import static org.layerfs.transforms.merge.LayerMergerTest.merge;

import org.junit.jupiter.api.Test;

/** Tests the byte counts and dive's efficiency score that {@link LayerMerger} reports. */
class LayerMergerStatsTest {

  @Test
  void nothingMergedIsFullyEfficient() {
    assertEquals(MergeStats.create(0, 0, 0, 0, 1.0), new LayerMerger().stats());
  }

  @Test
  void singleLayerIsFullyEfficient() {
    LayerMerger merger =
        merge(
            layer(
                dir("d"),
                file("d/a", 10),
                file("d/b", 20),
                symlink("d/c", "a"),
                hardlink("d/e", "d/a"),
                dir("empty")));

    assertEquals(MergeStats.create(6, 30, 30, 0, 1.0), merger.stats());
  }

  @Test
  void overwritesLowerEfficiencyByWhatTheyCarryTwice() {
    LayerMerger merger =
        merge(layer(file("a", 10), file("b", 5)), layer(file("a", 30)), layer(file("a", 20)));

    // a appears with 10, 30, 20: smallest 10 of 60; b with 5: 5 of 5.
    assertEquals(MergeStats.create(2, 65, 25, 40, 15.0 / 65.0), merger.stats());
  }

  @Test
  void sameLayerDuplicateIsOneAppearanceAsInDive() {
    // dive's tree keeps the last entry for a path: a's only appearance is 4, though 10 is wasted.
    LayerMerger merger = merge(layer(file("a", 10), file("a", 4)));

    assertEquals(MergeStats.create(1, 14, 4, 10, 1.0), merger.stats());
  }

  @Test
  void whiteoutOfFileAppearsWithSizeZeroAsInDive() {
    LayerMerger merger = merge(layer(file("a", 10), file("b", 30)), layer(whiteout("a")));

    // a appears with 10 and 0: smallest 0 of 10; b: 30 of 30.
    assertEquals(MergeStats.create(1, 40, 30, 10, 30.0 / 40.0), merger.stats());
  }

  @Test
  void whiteoutOfDirectoryAppearsWithTheFileBytesItRemoves() {
    LayerMerger merger =
        merge(
            layer(dir("d"), file("d/x", 4), file("d/y", 6), file("e", 10)),
            layer(whiteout("d")),
            layer(file("d/x", 4)));

    // d is no leaf in the first layer; its whiteout appears with 10. d/x appears twice with 4.
    // Smallest: d 10 + d/x 4 + d/y 6 + e 10 = 30; all: 10 + 8 + 6 + 10 = 34. The view: d (made for d/x), d/x, e.
    assertEquals(MergeStats.create(3, 24, 14, 10, 30.0 / 34.0), merger.stats());
  }

  @Test
  void directoryAppearsOnlyWhereItIsALeafOfItsLayer() {
    LayerMerger emptyDir = merge(layer(file("a", 10)), layer(dir("a")));
    LayerMerger fullDir = merge(layer(file("a", 10)), layer(dir("a"), file("a/x", 5)));

    // An empty directory is a leaf: a appears with 10 and 0. With a child it is not: a has 10 only.
    assertEquals(MergeStats.create(1, 10, 0, 10, 0.0), emptyDir.stats());
    assertEquals(MergeStats.create(2, 15, 5, 10, 1.0), fullDir.stats());
  }

  @Test
  void opaqueMarkersCountAsWasteButNotForEfficiency() {
    LayerMerger merger = merge(layer(dir("d"), file("d/x", 8)), layer(dir("d"), opaque("d")));

    // d has only an opaque marker under it, which dive ignores, so it is a leaf: 0 of 0.
    assertEquals(MergeStats.create(1, 8, 0, 8, 1.0), merger.stats());
  }
}
