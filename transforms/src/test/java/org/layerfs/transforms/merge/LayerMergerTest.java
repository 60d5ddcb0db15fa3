package org.layerfs.transforms.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.layerfs.transforms.merge.Entries.dir;
import static org.layerfs.transforms.merge.Entries.file;
import static org.layerfs.transforms.merge.Entries.hardlink;
import static org.layerfs.transforms.merge.Entries.layer;
import static org.layerfs.transforms.merge.Entries.opaque;
import static org.layerfs.transforms.merge.Entries.symlink;
import static org.layerfs.transforms.merge.Entries.whiteout;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/** Tests the merged view {@link LayerMerger} builds: stacking, replacement, whiteouts, links. */
class LayerMergerTest {

  @Test
  void stacksLayers() {
    FileEntry hosts = file("etc/hosts", 10);
    FileEntry sh = file("usr/bin/sh", 20);
    FileEntry bin = symlink("bin", "usr/bin");
    LayerMerger merger =
        merge(
            layer(dir("etc"), hosts),
            layer(dir("usr"), dir("usr/bin"), sh, bin));

    assertEquals(
        List.of(bin, dir("etc"), hosts, dir("usr"), dir("usr/bin"), sh), merger.entries());
    assertEquals(MergeStats.create(6, 30, 30, 0, 1.0), merger.stats());
  }

  @Test
  void laterFileOverwritesLowerOne() {
    FileEntry upper = file("a", 25);
    LayerMerger merger = merge(layer(file("a", 10)), layer(upper));

    assertEquals(List.of(upper), merger.entries());
    assertEquals(35, merger.stats().totalBytes());
    assertEquals(25, merger.stats().mergedBytes());
    assertEquals(10, merger.stats().wastedBytes());
  }

  @Test
  void laterEntryForSamePathInSameLayerReplacesEarlierOne() {
    FileEntry last = file("a", 4);
    LayerMerger merger = merge(layer(file("a", 10), last));

    assertEquals(List.of(last), merger.entries());
    assertEquals(14, merger.stats().totalBytes());
    assertEquals(4, merger.stats().mergedBytes());
    assertEquals(10, merger.stats().wastedBytes());
  }

  @Test
  void whiteoutRemovesFile() {
    LayerMerger merger = merge(layer(file("a", 10), file("b", 3)), layer(whiteout("a")));

    assertEquals(List.of("b"), paths(merger));
    assertEquals(3, merger.stats().mergedBytes());
    assertEquals(10, merger.stats().wastedBytes());
  }

  @Test
  void whiteoutRemovesDirectoryAndEverythingUnderItButNotItsSiblings() {
    LayerMerger merger =
        merge(
            layer(
                dir("d"),
                file("d/x", 4),
                dir("d/e"),
                file("d/e/y", 6),
                file("d-x", 1),
                file("d.txt", 2),
                file("d0", 3)),
            layer(whiteout("d")));

    assertEquals(List.of("d-x", "d.txt", "d0"), paths(merger));
    assertEquals(6, merger.stats().mergedBytes());
    assertEquals(10, merger.stats().wastedBytes());
  }

  @Test
  void whiteoutAfterRecreatedPathSparesItsOwnLayer() {
    assertWhiteoutsSpareOwnLayer(
        layer(file("a", 7), dir("d"), file("d/new", 1), whiteout("a"), whiteout("d")));
  }

  @Test
  void whiteoutBeforeRecreatedPathSparesItsOwnLayer() {
    assertWhiteoutsSpareOwnLayer(
        layer(whiteout("a"), whiteout("d"), file("a", 7), dir("d"), file("d/new", 1)));
  }

  private static void assertWhiteoutsSpareOwnLayer(ImmutableList<FileEntry> upper) {
    LayerMerger merger = merge(layer(file("a", 10), dir("d"), file("d/old", 5)), upper);

    assertEquals(List.of(file("a", 7), dir("d"), file("d/new", 1)), merger.entries());
    assertEquals(15, merger.stats().wastedBytes());
  }

  @Test
  void opaqueDirectoryHidesLowerChildrenButKeepsItselfAndItsOwnLayersChildren() {
    LayerMerger merger =
        merge(
            layer(dir("d", 0750), file("d/old", 5), dir("d/sub"), file("d/sub/x", 1), file("o", 2)),
            layer(file("d/new", 3), opaque("d"), file("d/late", 1)));

    assertEquals(List.of("d", "d/late", "d/new", "o"), paths(merger));
    assertEquals(dir("d", 0750), merger.entries().get(0));
    assertEquals(6, merger.stats().wastedBytes());
  }

  @Test
  void opaqueRootHidesEverythingBelow() {
    LayerMerger merger =
        merge(layer(file("a", 1), dir("b"), file("b/c", 2)), layer(file("z", 3), opaque("")));

    assertEquals(List.of("z"), paths(merger));
    assertEquals(3, merger.stats().mergedBytes());
    assertEquals(3, merger.stats().wastedBytes());
  }

  @Test
  void fileReplacingDirectoryRemovesItsSubtree() {
    FileEntry replacement = file("d", 1);
    LayerMerger merger =
        merge(
            layer(dir("d"), file("d/x", 4), symlink("d/link", "x"), file("d0", 2)),
            layer(replacement));

    assertEquals(List.of(replacement, file("d0", 2)), merger.entries());
    assertEquals(3, merger.stats().mergedBytes());
    assertEquals(4, merger.stats().wastedBytes());
  }

  @Test
  void directoryReplacesFile() {
    LayerMerger merger = merge(layer(file("a", 8)), layer(dir("a"), file("a/x", 1)));

    assertEquals(List.of(dir("a"), file("a/x", 1)), merger.entries());
    assertEquals(8, merger.stats().wastedBytes());
  }

  @Test
  void directoryOverDirectoryReplacesMetadataAndKeepsChildren() {
    LayerMerger merger = merge(layer(dir("d", 0755), file("d/x", 2)), layer(dir("d", 0700)));

    assertEquals(List.of(dir("d", 0700), file("d/x", 2)), merger.entries());
    assertEquals(0, merger.stats().wastedBytes());
  }

  @Test
  void hardlinkTakesSizeAndShaOfTargetInLowerLayer() {
    String sha = "a".repeat(64);
    LayerMerger merger =
        merge(layer(file("bin/a", 100, sha)), layer(hardlink("bin/b", "bin/a")));

    FileEntry link = merger.entries().get(2); // after the directory bin and bin/a
    assertEquals("bin/b", link.path());
    assertEquals(EntryType.HARDLINK, link.type());
    assertEquals("bin/a", link.linkTarget().orElseThrow());
    assertEquals(100, link.size());
    assertEquals(sha, link.sha256().orElseThrow());
    // The link shares its target's content, so its bytes are not counted again.
    assertEquals(100, merger.stats().mergedBytes());
  }

  @Test
  void hardlinkTakesSizeAndShaOfTargetInSameLayerAndKeepsUnknownTargetAsIs() {
    FileEntry target = file("x", 7);
    FileEntry dangling = hardlink("z", "missing");
    LayerMerger merger = merge(layer(target, hardlink("y", "x"), dangling));

    FileEntry resolved =
        hardlink("y", "x").toBuilder().setSize(7).setSha256(target.sha256()).build();
    assertEquals(List.of(target, resolved, dangling), merger.entries());
  }

  @Test
  void whiteoutOfAbsentPathChangesNothing() {
    LayerMerger merger =
        merge(layer(file("a", 1)), layer(whiteout("ghost"), whiteout("a/b")));

    assertEquals(List.of(file("a", 1)), merger.entries());
    assertEquals(MergeStats.create(1, 1, 1, 0, 1.0), merger.stats());
  }

  @Test
  void hardlinkToANameLaterInItsLayerOrToNothingIsABadLink() {
    FileEntry early = hardlink("b", "a");
    FileEntry dangling = hardlink("z", "missing");
    LayerMerger merger = merge(layer(early, file("a", 3), dangling));

    assertEquals(List.of(
        new BadLink(early, "hardlink to \"a\", which comes later in its layer: a tar extractor cannot link to it"),
        new BadLink(dangling, "hardlink to \"missing\", which is not in the image")), merger.badLinks());
  }

  @Test
  void hardlinkToALowerLayersNameThatItsOwnLayerRewritesLaterIsFine() {
    LayerMerger merger = merge(layer(file("a", 1)), layer(hardlink("b", "a"), file("a", 2)));

    assertEquals(List.of(), merger.badLinks());
    assertEquals(Optional.of(new Origin(file("a", 1), 0)), merger.withOrigins().get(1).origin(), "b shares the lower a");
  }

  @Test
  void namesOfAnInodeKeepItsOriginWhenTheFirstNameIsRemovedOrRewritten() {
    FileEntry first = file("a", 5);
    LayerMerger merger = merge(
        layer(first, hardlink("b", "a"), hardlink("c", "b"), file("a", 9), hardlink("d", "a")),
        layer(whiteout("a")));

    Origin old = new Origin(first, 0);
    assertEquals(List.of("b", "c", "d"), paths(merger));
    assertEquals(Optional.of(old), merger.withOrigins().get(0).origin());
    assertEquals(Optional.of(old), merger.withOrigins().get(1).origin());
    assertEquals(Optional.of(new Origin(file("a", 9), 1)), merger.withOrigins().get(2).origin(), "the second a");
  }

  @Test
  void aufsMetadataIsNeverInTheView() {
    LayerMerger merger = merge(layer(
        file(".wh..wh.aufs", 0), dir(".wh..wh.orph"), dir(".wh..wh.plnk"), file(".wh..wh.plnk/123.456", 3),
        dir("d"), file("d/.wh..wh.aufs", 0), file("d/kept", 1)));

    assertEquals(List.of("d", "d/kept"), paths(merger));
  }

  @Test
  void everyDirectoryIsInTheViewWithWhatAnUnpackGivesIt() {
    FileEntry deep = file("a/b/c", 1).toBuilder().setMtime(1234).setLayer("l1").build();
    LayerMerger merger = merge(layer(deep), layer(whiteout("a/b/c")));

    FileEntry.Builder made = FileEntry.builder().setType(EntryType.DIR).setMode(0755).setMtime(1234).setLayer("l1");
    assertEquals(List.of(made.setPath("a").build(), made.setPath("a/b").build()), merger.entries());
  }

  @Test
  void rootEntryIsTheEmptyPathAndAnOpaqueRootKeepsIt() {
    FileEntry root = dir("", 0700);
    LayerMerger merger = merge(layer(root, file("a", 1)), layer(opaque(""), file("b", 1)));

    assertEquals(List.of(root, file("b", 1)), merger.entries());
  }

  @SafeVarargs
  static LayerMerger merge(ImmutableList<FileEntry>... layers) {
    LayerMerger merger = new LayerMerger();
    for (ImmutableList<FileEntry> layer : layers) {
      merger.apply(layer);
    }
    return merger;
  }

  static List<String> paths(LayerMerger merger) {
    return merger.entries().stream().map(FileEntry::path).toList();
  }
}
