package org.layerfs.transforms.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

class LayerCacheTest {
  private static final Digest LAYER = Digest.sha256("layer".getBytes(UTF_8));
  private static final Digest OTHER = Digest.sha256("other".getBytes(UTF_8));
  private static final LayerSummary SUMMARY =
      LayerSummary.of(LAYER, Digest.sha256("tar".getBytes(UTF_8)), MediaTypes.OCI_LAYER_GZIP, "gzip", 1234, 10240, 3, 11);

  @TempDir Path root;

  private static ImmutableList<FileEntry> entries(Digest layer) {
    String l = layer.toString();
    return ImmutableList.of(
        FileEntry.builder().setPath("etc").setType(EntryType.DIR).setMode(0755).setMtime(1700000000).setLayer(l).build(),
        FileEntry.builder()
            .setPath("etc/café.conf").setType(EntryType.FILE).setMode(04755).setUid(3_000_000_000L).setGid(7)
            .setUser("u").setGroup("g").setSize(11).setMtime(1234567890).setSha256("ab".repeat(32))
            .setXattrs(ImmutableSortedMap.of("user.x", "y")).setPax(ImmutableSortedMap.of("LAYERFS.k", "v"))
            .setLayer(l).build(),
        FileEntry.builder().setPath("etc/.wh.old").setType(EntryType.FILE).setWhiteout("etc/old").setLayer(l).build());
  }

  private void commit(LayerCache cache, Digest digest, LayerSummary summary) throws IOException {
    try (LayerCache.EntryWriter w = cache.begin(digest)) {
      for (FileEntry e : entries(digest)) {
        w.write(e);
      }
      w.commit(summary);
    }
  }

  private Path entryDir(Digest digest) {
    return root.resolve("layers/v" + LayerCache.FORMAT_VERSION + "/" + digest.algorithm() + "/" + digest.hex());
  }

  private List<String> siblingsOf(Digest digest) throws IOException {
    Path parent = entryDir(digest).getParent();
    if (!Files.isDirectory(parent)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(parent)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<FileEntry> readBack(LayerCache cache, Digest digest) {
    List<FileEntry> out = new ArrayList<>();
    cache.entries(digest).forEach(out::add);
    return out;
  }

  @Test
  void missBeforeAnything() throws IOException {
    assertEquals(new LayerCache.Lookup(LayerCache.Status.MISS, Optional.empty()), new LayerCache(root).lookup(LAYER));
  }

  @Test
  void commitThenHit() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    LayerCache.Lookup found = cache.lookup(LAYER);
    assertEquals(LayerCache.Status.HIT, found.status());
    assertEquals(Optional.of(SUMMARY), found.summary());
    assertEquals(entries(LAYER), readBack(cache, LAYER));
    assertEquals(entryDir(LAYER).resolve("files.jsonl.gz"), cache.filesPath(LAYER));
    assertEquals(List.of(LAYER.hex()), siblingsOf(LAYER), "no temporary directory left behind");
  }

  @Test
  void hitSurvivesANewCacheObject() throws IOException {
    commit(new LayerCache(root), LAYER, SUMMARY);
    LayerCache again = new LayerCache(root);
    assertEquals(LayerCache.Status.HIT, again.lookup(LAYER).status());
    assertEquals(entries(LAYER), readBack(again, LAYER));
    assertEquals(LayerCache.Status.MISS, again.lookup(OTHER).status());
  }

  @Test
  void entriesCanBeIteratedTwice() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Iterable<FileEntry> it = cache.entries(LAYER);
    List<FileEntry> first = new ArrayList<>();
    List<FileEntry> second = new ArrayList<>();
    it.forEach(first::add);
    it.forEach(second::add);
    assertEquals(first, second);
  }

  @Test
  void emptyLayerRoundTrips() throws IOException {
    LayerCache cache = new LayerCache(root);
    LayerSummary empty = LayerSummary.of(LAYER, LAYER, MediaTypes.OCI_LAYER, "none", 1024, 1024, 0, 0);
    try (LayerCache.EntryWriter w = cache.begin(LAYER)) {
      w.commit(empty);
    }
    assertEquals(Optional.of(empty), cache.lookup(LAYER).summary());
    assertEquals(List.of(), readBack(cache, LAYER));
  }

  @Test
  void uncommittedWriterLeavesNothing() throws IOException {
    LayerCache cache = new LayerCache(root);
    try (LayerCache.EntryWriter w = cache.begin(LAYER)) {
      w.write(entries(LAYER).get(0));
      // closed without commit: the layer failed
    }
    assertEquals(LayerCache.Status.MISS, cache.lookup(LAYER).status());
    assertEquals(List.of(), siblingsOf(LAYER), "no entry and no temporary directory");
  }

  @Test
  void nothingVisibleBeforeCommit() throws IOException {
    LayerCache cache = new LayerCache(root);
    try (LayerCache.EntryWriter w = cache.begin(LAYER)) {
      w.write(entries(LAYER).get(0));
      assertEquals(LayerCache.Status.MISS, cache.lookup(LAYER).status());
      w.commit(SUMMARY);
      assertEquals(LayerCache.Status.HIT, cache.lookup(LAYER).status());
    }
  }

  @Test
  void secondCommitOfTheSameLayerKeepsTheFirst() throws IOException {
    LayerCache cache = new LayerCache(root);
    LayerCache.EntryWriter first = cache.begin(LAYER);
    LayerCache.EntryWriter second = cache.begin(LAYER);
    for (FileEntry e : entries(LAYER)) {
      first.write(e);
      second.write(e);
    }
    first.commit(SUMMARY);
    first.close();
    second.commit(SUMMARY); // another worker won the race: not an error
    second.close();
    assertEquals(LayerCache.Status.HIT, cache.lookup(LAYER).status());
    assertEquals(entries(LAYER), readBack(cache, LAYER));
    assertEquals(List.of(LAYER.hex()), siblingsOf(LAYER), "the loser's temporary directory is removed");
  }

  @Test
  void differentLayersDoNotMix() throws IOException {
    LayerCache cache = new LayerCache(root);
    LayerSummary other = LayerSummary.of(OTHER, OTHER, MediaTypes.OCI_LAYER, "none", 5, 5, 3, 11);
    commit(cache, LAYER, SUMMARY);
    commit(cache, OTHER, other);
    assertEquals(Optional.of(SUMMARY), cache.lookup(LAYER).summary());
    assertEquals(Optional.of(other), cache.lookup(OTHER).summary());
    assertEquals(entries(OTHER), readBack(cache, OTHER));
  }

  // --- damaged entries: reported, removed, never trusted ---

  private void assertDamagedAndRemoved(LayerCache cache) throws IOException {
    assertEquals(new LayerCache.Lookup(LayerCache.Status.DAMAGED, Optional.empty()), cache.lookup(LAYER));
    assertFalse(Files.exists(entryDir(LAYER)), "the damaged entry is removed");
    assertEquals(LayerCache.Status.MISS, cache.lookup(LAYER).status());
    commit(cache, LAYER, SUMMARY);
    assertEquals(LayerCache.Status.HIT, cache.lookup(LAYER).status(), "and can be rebuilt");
  }

  @Test
  void truncatedFilesIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Path files = cache.filesPath(LAYER);
    byte[] bytes = Files.readAllBytes(files);
    Files.write(files, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void flippedByteInFilesIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Path files = cache.filesPath(LAYER);
    byte[] bytes = Files.readAllBytes(files);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(files, bytes);
    assertDamagedAndRemoved(cache);
  }

  @Test
  void missingFilesIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Files.delete(cache.filesPath(LAYER));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void missingSummaryIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Files.delete(entryDir(LAYER).resolve("summary.json"));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void truncatedSummaryIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Path summary = entryDir(LAYER).resolve("summary.json");
    byte[] bytes = Files.readAllBytes(summary);
    Files.write(summary, java.util.Arrays.copyOf(bytes, bytes.length - 5));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void summaryOfAnotherLayerIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    editSummary(s -> s.replace(LAYER.toString(), OTHER.toString()));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void editedCountInSummaryIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    editSummary(s -> s.replace("\"entries\":3", "\"entries\":4"));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void editedDiffIdInSummaryIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    editSummary(s -> s.replace(SUMMARY.diffId().toString(), OTHER.toString()));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void otherFormatVersionIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    editSummary(s -> s.replace("\"formatVersion\":" + LayerCache.FORMAT_VERSION, "\"formatVersion\":999"));
    assertDamagedAndRemoved(cache);
  }

  @Test
  void summaryThatIsNotJsonIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    editSummary(s -> "not json");
    assertDamagedAndRemoved(cache);
  }

  @Test
  void summaryWithAKeyTwiceIsDamaged() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    // The same key and value twice at its place: the seal still matches what a lenient parser keeps.
    editSummary(s -> s.replace("\"entries\":3", "\"entries\":3,\"entries\":3"));
    assertDamagedAndRemoved(cache);
  }

  private void editSummary(java.util.function.UnaryOperator<String> edit) throws IOException {
    Path summary = entryDir(LAYER).resolve("summary.json");
    String before = Files.readString(summary);
    String after = edit.apply(before);
    assertTrue(!after.equals(before), "the edit changed something: " + before);
    Files.writeString(summary, after);
  }

  @Test
  void aNewEntryRemovesTemporaryEntriesAKilledWriterLeftButNotALiveWritersOnes() throws IOException {
    LayerCache cache = new LayerCache(root);
    commit(cache, LAYER, SUMMARY);
    Path parent = entryDir(LAYER).getParent();
    Path abandoned = Files.createDirectory(parent.resolve(".tmp-" + OTHER.hex() + "-0b6f2a4e-1c1d-4c47-9f5e-3f1c2d9a8b7c"));
    Files.write(abandoned.resolve("files.jsonl.gz"), new byte[] {31, -117});
    java.nio.file.attribute.FileTime old =
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - LayerCache.ABANDONED.toMillis() - 60_000);
    Files.setLastModifiedTime(abandoned.resolve("files.jsonl.gz"), old);
    Files.setLastModifiedTime(abandoned, old);
    Path live = Files.createDirectory(parent.resolve(".tmp-" + OTHER.hex() + "-5d2c7a1b-8e3f-4a6b-9c0d-1e2f3a4b5c6d"));

    try (LayerCache.EntryWriter w = cache.begin(OTHER)) {
      assertFalse(Files.exists(abandoned), "a killed writer's entry is removed");
      assertTrue(Files.isDirectory(live), "a live writer's entry stays");
      assertTrue(Files.isDirectory(entryDir(LAYER)), "committed entries stay");
    }
  }
}
