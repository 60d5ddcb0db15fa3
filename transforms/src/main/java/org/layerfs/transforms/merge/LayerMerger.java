package org.layerfs.transforms.merge;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * Applies layers in order with the OCI whiteout rules and tells the merged view and its waste.
 *
 * <p>Layers are applied bottom to top (OCI image spec, "Representing Changes"). Of each layer, the
 * whiteout markers are applied first, to what the lower layers produced, so that a marker never
 * removes an entry of its own layer whatever the order of the tar: {@code .wh.NAME} removes NAME
 * and everything under it; {@code .wh..wh..opq} removes everything under its directory but not the
 * directory. Then the layer's other entries are applied in tar order: an entry replaces what is at
 * its path; a non-directory also removes everything under its path; a directory keeps what is under
 * it. A hardlink whose target is in the merged view takes the target's size and sha256. Markers
 * never appear in the merged view.
 *
 * <p>{@link MergeStats#efficiency()} is dive's score (see {@link EfficiencyScore}): a directory
 * appears only where it is a leaf of its layer (no entry or whiteout marker of that layer under
 * it), opaque markers are ignored as dive ignores them, and a whiteout of a path absent below
 * counts nothing (dive fails on it).
 *
 * <p>Memory: the merged view, one efficiency counter per path any layer held, and while a layer is
 * applied the set of its directories that have entries under them. Each entry costs O(log n), plus
 * O(log n) per entry it removes. Not thread-safe.
 */
public final class LayerMerger {
  private final TreeMap<String, FileEntry> merged = new TreeMap<>();
  private final EfficiencyScore efficiency = new EfficiencyScore();
  private long totalBytes;
  private long mergedBytes;
  private long wastedBytes;

  public LayerMerger() {}

  /**
   * Applies the next layer. {@code entries} is the layer's entries in tar order; it is iterated
   * twice, markers first.
   */
  public void apply(Iterable<FileEntry> entries) {
    efficiency.nextLayer();
    // This layer's directories with something under them: not leaves, so dive does not count them.
    Set<String> parents = new HashSet<>();
    List<String> opaqueDirs = new ArrayList<>();
    for (FileEntry entry : entries) {
      if (entry.opaque()) {
        opaqueDirs.add(entry.parent());
      } else {
        addAncestors(entry.path(), parents);
        entry.whiteout().ifPresent(this::whiteout);
      }
    }
    for (String dir : opaqueDirs) {
      wastedBytes += discardAll(under(dir));
    }
    for (FileEntry entry : entries) {
      if (!entry.isMarker()) {
        add(entry, parents);
      }
    }
  }

  /** The merged view: surviving entries sorted by path, markers never included. */
  public ImmutableList<FileEntry> entries() {
    return ImmutableList.copyOf(merged.values());
  }

  /** The figures of the merged view so far. */
  public MergeStats stats() {
    return MergeStats.create(
        merged.size(), totalBytes, mergedBytes, wastedBytes, efficiency.score());
  }

  private void whiteout(String path) {
    SortedMap<String, FileEntry> below = under(path);
    FileEntry removed = merged.remove(path);
    if (removed == null && below.isEmpty()) {
      return;
    }
    long removedBytes = removed == null ? 0 : discard(removed);
    long belowBytes = discardAll(below);
    wastedBytes += removedBytes + belowBytes;
    // A path with entries under it and no entry of its own is a directory implied by its children.
    boolean directory = removed == null || removed.type() == EntryType.DIR;
    efficiency.whiteout(path, directory ? belowBytes : 0);
  }

  private void add(FileEntry entry, Set<String> parents) {
    long size = fileBytes(entry);
    totalBytes += size;
    if (entry.type() != EntryType.DIR || !parents.contains(entry.path())) {
      efficiency.entry(entry.path(), size);
    }
    FileEntry previous = merged.put(entry.path(), resolveHardlink(entry));
    if (previous != null) {
      wastedBytes += discard(previous);
    }
    if (entry.type() != EntryType.DIR) {
      wastedBytes += discardAll(under(entry.path()));
    }
    mergedBytes += size;
  }

  private FileEntry resolveHardlink(FileEntry entry) {
    if (entry.type() != EntryType.HARDLINK || entry.linkTarget().isEmpty()) {
      return entry;
    }
    FileEntry target = merged.get(entry.linkTarget().get());
    if (target == null) {
      return entry;
    }
    return entry.toBuilder().setSize(target.size()).setSha256(target.sha256()).build();
  }

  /** The live view of what is under {@code dir} ("" for the root), {@code dir} itself excluded. */
  private SortedMap<String, FileEntry> under(String dir) {
    if (dir.isEmpty()) {
      return merged;
    }
    // Most paths have nothing under them: one lookup says so without building a view.
    String prefix = dir + "/";
    String first = merged.ceilingKey(prefix);
    if (first == null || !first.startsWith(prefix)) {
      return Collections.emptySortedMap();
    }
    // '0' is the character after '/', so this range holds exactly the paths starting with "dir/".
    return merged.subMap(prefix, dir + "0");
  }

  /** Takes an entry already removed from the view out of the byte count; returns its file bytes. */
  private long discard(FileEntry entry) {
    long bytes = fileBytes(entry);
    mergedBytes -= bytes;
    return bytes;
  }

  /** Removes every entry of a view of the merged map (or an empty map); returns their file bytes. */
  private long discardAll(SortedMap<String, FileEntry> entries) {
    if (entries.isEmpty()) {
      return 0;
    }
    long bytes = 0;
    for (FileEntry entry : entries.values()) {
      bytes += fileBytes(entry);
    }
    entries.clear();
    mergedBytes -= bytes;
    return bytes;
  }

  /** Regular-file content bytes; hardlinks share their target's content and count 0. */
  private static long fileBytes(FileEntry entry) {
    return entry.type() == EntryType.FILE ? entry.size() : 0;
  }

  /** Adds the directories above {@code path} to {@code dirs}, which holds whole ancestor chains. */
  private static void addAncestors(String path, Set<String> dirs) {
    for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      if (!dirs.add(path.substring(0, slash))) {
        return;
      }
    }
  }
}
