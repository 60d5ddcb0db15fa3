package org.layerfs.transforms.merge;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * never appear in the merged view, nor does anything named {@code .wh.*} or under such a name (aufs
 * metadata: {@code .wh..wh.aufs}, {@code .wh..wh.orph/}, {@code .wh..wh.plnk/}): the image spec
 * says no {@code .wh.} name is ever created.
 *
 * <p>The view lists every directory the tree has: a directory without an entry of its own, made
 * for the entries under it, is {@code 0755}, owned by root, with the mtime of the first entry that
 * needed it (a layer-by-layer extractor gives it the time of the extraction, which no view can
 * record). Each entry also knows the {@link Origin} of its inode: the tar entry a layer-by-layer
 * extractor made it from, which survives the removal or rewrite of the name a hardlink was made
 * to. A hardlink such an extractor cannot make is listed in {@link #badLinks()}. The root
 * directory's own entry ({@code ./} in a tar), when a layer has one, is the view's path "".
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
  private static final String WHITEOUT = ".wh.";

  private final TreeMap<String, MergedEntry> merged = new TreeMap<>();
  private final List<BadLink> badLinks = new ArrayList<>();
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
    // Occurrences of each path in this layer so far, and links whose target may come later.
    Map<String, Integer> seen = new HashMap<>();
    Map<String, List<FileEntry>> waiting = new HashMap<>();
    for (FileEntry entry : entries) {
      if (entry.isMarker() || isWhiteoutName(entry.path())) {
        continue;
      }
      List<FileEntry> early = waiting.remove(entry.path());
      if (early != null) {
        early.forEach(l -> badLinks.add(new BadLink(l, "hardlink to \"" + l.linkTarget().get()
            + "\", which comes later in its layer: a tar extractor cannot link to it")));
      }
      int occurrence = seen.merge(entry.path(), 1, Integer::sum) - 1;
      add(entry, occurrence, parents, waiting);
    }
    waiting.values().forEach(links -> links.forEach(l -> badLinks.add(
        new BadLink(l, "hardlink to \"" + l.linkTarget().orElse("") + "\", which is not in the image"))));
  }

  /** The merged view: surviving entries sorted by path, markers never included. */
  public ImmutableList<FileEntry> entries() {
    return merged.values().stream().map(MergedEntry::entry).collect(ImmutableList.toImmutableList());
  }

  /** The merged view with the origin of each entry's inode, sorted by path. */
  public ImmutableList<MergedEntry> withOrigins() {
    return ImmutableList.copyOf(merged.values());
  }

  /** The hardlinks of every layer so far that a layer-by-layer extractor could not make, in layer and tar order. */
  public ImmutableList<BadLink> badLinks() {
    return ImmutableList.copyOf(badLinks);
  }

  /** True for a name that is, or is under, a {@code .wh.} name: never part of a tree. */
  private static boolean isWhiteoutName(String path) {
    return path.startsWith(WHITEOUT) || path.contains("/" + WHITEOUT);
  }

  /** The figures of the merged view so far. */
  public MergeStats stats() {
    return MergeStats.create(
        merged.size(), totalBytes, mergedBytes, wastedBytes, efficiency.score());
  }

  private void whiteout(String path) {
    SortedMap<String, MergedEntry> below = under(path);
    MergedEntry gone = merged.remove(path);
    FileEntry removed = gone == null ? null : gone.entry();
    if (removed == null && below.isEmpty()) {
      return;
    }
    long removedBytes = gone == null ? 0 : discard(gone);
    long belowBytes = discardAll(below);
    wastedBytes += removedBytes + belowBytes;
    // A path with entries under it and no entry of its own is a directory implied by its children.
    boolean directory = removed == null || removed.type() == EntryType.DIR;
    efficiency.whiteout(path, directory ? belowBytes : 0);
  }

  private void add(FileEntry entry, int occurrence, Set<String> parents, Map<String, List<FileEntry>> waiting) {
    long size = fileBytes(entry);
    totalBytes += size;
    if (entry.type() != EntryType.DIR || !parents.contains(entry.path())) {
      efficiency.entry(entry.path(), size);
    }
    MergedEntry added = switch (entry.type()) {
      case DIR -> new MergedEntry(entry, Optional.empty());
      case HARDLINK -> link(entry, waiting);
      default -> new MergedEntry(entry, Optional.of(new Origin(entry, occurrence)));
    };
    addImpliedDirectories(entry);
    MergedEntry previous = merged.put(entry.path(), added);
    if (previous != null) {
      wastedBytes += discard(previous);
    }
    if (entry.type() != EntryType.DIR) {
      wastedBytes += discardAll(under(entry.path()));
    }
    mergedBytes += size;
  }

  /**
   * A hardlink takes its target's size, sha256 and origin as they are now; a missing target may
   * still come later in this layer ({@code waiting}), which is no better for an extractor.
   */
  private MergedEntry link(FileEntry entry, Map<String, List<FileEntry>> waiting) {
    String path = entry.linkTarget().orElse("");
    MergedEntry target = merged.get(path);
    if (target == null) {
      waiting.computeIfAbsent(path, p -> new ArrayList<>()).add(entry);
      return new MergedEntry(entry, Optional.empty());
    }
    if (target.entry().type() == EntryType.DIR) {
      badLinks.add(new BadLink(entry, "hardlink to \"" + path + "\", which is a directory"));
      return new MergedEntry(entry, Optional.empty());
    }
    FileEntry resolved = entry.toBuilder().setSize(target.entry().size()).setSha256(target.entry().sha256()).build();
    return new MergedEntry(resolved, target.origin());
  }

  /** Adds the directories above {@code entry} that the view does not hold yet, as an extractor makes them. */
  private void addImpliedDirectories(FileEntry entry) {
    String path = entry.path();
    for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      String dir = path.substring(0, slash);
      if (merged.containsKey(dir)) {
        return; // a directory's own parents are in the view; a non-directory parent is the unpack's to refuse
      }
      merged.put(dir, new MergedEntry(FileEntry.builder().setPath(dir).setType(EntryType.DIR).setMode(0755)
          .setMtime(entry.mtime()).setLayer(entry.layer()).build(), Optional.empty()));
    }
  }

  /** The live view of what is under {@code dir} ("" for the root), {@code dir} itself excluded. */
  private SortedMap<String, MergedEntry> under(String dir) {
    if (dir.isEmpty()) {
      return merged.tailMap("", false); // everything but the root's own entry
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
  private long discard(MergedEntry entry) {
    long bytes = fileBytes(entry.entry());
    mergedBytes -= bytes;
    return bytes;
  }

  /** Removes every entry of a view of the merged map (or an empty map); returns their file bytes. */
  private long discardAll(SortedMap<String, MergedEntry> entries) {
    if (entries.isEmpty()) {
      return 0;
    }
    long bytes = 0;
    for (MergedEntry entry : entries.values()) {
      bytes += fileBytes(entry.entry());
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
