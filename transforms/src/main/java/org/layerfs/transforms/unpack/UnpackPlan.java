package org.layerfs.transforms.unpack;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Maps;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.layerfs.transforms.merge.BadLink;
import org.layerfs.transforms.merge.LayerMerger;
import org.layerfs.transforms.merge.MergedEntry;
import org.layerfs.transforms.merge.Origin;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * What an unpack writes, worked out from an image's merged view before anything is written: the
 * directories, for each layer the tar entries whose content it provides (each inode is written
 * once, by the layer whose tar entry made it), and the hardlinks, which come last because their
 * target may come from another layer.
 *
 * <p>The tree is the one a layer-by-layer extractor leaves (umoci, GNU {@code tar -xp}): a path
 * that appears twice in one tar is written once, from its last occurrence; the names of a
 * hardlink group share the inode their link was made to, read from its {@link Origin} tar entry,
 * even when a later layer removed or replaced the name the link was made to, or a later entry of
 * the same tar rewrote it. A group whose origin's own name is gone is written as a file at its
 * first name, with the origin's content and metadata, and its other names are linked to it. The
 * root's own entry ({@code ./}, the view's path "") is applied to the tree's root, last.
 *
 * <p>The plan refuses, naming the entry and its layer: a path below a non-directory of the view
 * (a symlink followed by an entry that writes through it), a hardlink an extractor cannot make
 * (see {@link BadLink}), and trees whose file bytes exceed the limit.
 */
public final class UnpackPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A tar entry of a layer: its normalised path and which occurrence of that path it is (0 for the first). */
  public record TarEntry(String path, int occurrence) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private final ImmutableList<FileEntry> directories;
  /** The root directory's own entry, null when no layer has one. */
  private final FileEntry root;
  private final ImmutableMap<String, ImmutableMap<TarEntry, FileEntry>> byLayer;
  private final ImmutableList<Map.Entry<String, String>> hardlinks;
  private final long fileBytes;

  private UnpackPlan(
      ImmutableList<FileEntry> directories,
      FileEntry root,
      ImmutableMap<String, ImmutableMap<TarEntry, FileEntry>> byLayer,
      ImmutableList<Map.Entry<String, String>> hardlinks,
      long fileBytes) {
    this.directories = directories;
    this.root = root;
    this.byLayer = byLayer;
    this.hardlinks = hardlinks;
    this.fileBytes = fileBytes;
  }

  /**
   * Plans the unpack of the layers {@code merged} applied. {@code layers} are the image's layer
   * digests bottom to top, as {@link FileEntry#layer()} spells them; {@code image} is named in
   * refusals.
   */
  public static UnpackPlan of(String image, LayerMerger merged, List<String> layers, UnpackLimits limits)
      throws UnsafeEntryException {
    try {
      return plan(merged, layers, limits);
    } catch (RefusedEntry r) {
      throw r.refusal.in(image, r.layer);
    } catch (UnsafeEntryException e) {
      throw new UnsafeEntryException(image + ": " + e.getMessage());
    }
  }

  /** A refusal of an entry of a known layer, before the image is added to the message. */
  private static final class RefusedEntry extends Exception {
    private static final long serialVersionUID = 1L;
    final UnsafeEntryException refusal;
    final String layer;

    RefusedEntry(FileEntry e, String reason) {
      super(reason, null, false, false);
      this.refusal = UnsafeEntryException.entry(e.path(), reason);
      this.layer = e.layer();
    }
  }

  private static UnpackPlan plan(LayerMerger merged, List<String> layers, UnpackLimits limits)
      throws UnsafeEntryException, RefusedEntry {
    if (!merged.badLinks().isEmpty()) {
      BadLink bad = merged.badLinks().get(0);
      throw new RefusedEntry(bad.link(), bad.reason());
    }
    Map<String, FileEntry> byPath = new HashMap<>();
    Map<Origin, List<MergedEntry>> inodes = new LinkedHashMap<>();
    List<FileEntry> directories = new ArrayList<>();
    FileEntry root = null;
    for (MergedEntry m : merged.withOrigins()) { // sorted by path: parents before children
      FileEntry e = m.entry();
      Optional<String> unusable = BytePaths.unusable(e.path()); // before anything is written
      if (unusable.isPresent()) {
        throw new RefusedEntry(e, unusable.get());
      }
      byPath.put(e.path(), e);
      checkParents(e, byPath);
      if (e.path().isEmpty()) {
        root = e;
      } else if (e.type() == EntryType.DIR) {
        directories.add(e);
      } else {
        inodes.computeIfAbsent(m.origin().orElseThrow(), o -> new ArrayList<>()).add(m);
      }
    }
    Map<String, Map<TarEntry, FileEntry>> byLayer = new LinkedHashMap<>();
    layers.forEach(l -> byLayer.put(l, new LinkedHashMap<>()));
    List<Map.Entry<String, String>> hardlinks = new ArrayList<>(); // Guava's entries: serializable
    long fileBytes = 0;
    for (Map.Entry<Origin, List<MergedEntry>> inode : inodes.entrySet()) {
      Origin origin = inode.getKey();
      List<MergedEntry> names = inode.getValue();
      // The origin's own name when it survives, else the group's first name.
      FileEntry holder = names.stream().map(MergedEntry::entry).filter(e -> e.type() != EntryType.HARDLINK)
          .findFirst().orElse(names.get(0).entry());
      FileEntry written = origin.entry().toBuilder().setPath(holder.path()).build();
      if (written.type() == EntryType.FILE) {
        if (written.size() > limits.maxFileSize()) {
          throw new RefusedEntry(holder, "file of " + written.size() + " bytes exceeds the limit of " + limits.maxFileSize());
        }
        fileBytes += written.size();
      }
      Map<TarEntry, FileEntry> layer = byLayer.get(written.layer());
      if (layer == null) {
        throw new RefusedEntry(written, "its layer is not one of the image's");
      }
      layer.put(new TarEntry(origin.entry().path(), origin.occurrence()), written);
      for (MergedEntry name : names) {
        if (!name.entry().path().equals(holder.path())) {
          hardlinks.add(Maps.immutableEntry(name.entry().path(), holder.path()));
        }
      }
    }
    if (fileBytes > limits.maxTotalBytes()) {
      throw new UnsafeEntryException(
          "the tree holds " + fileBytes + " bytes of files, over the limit of " + limits.maxTotalBytes());
    }
    hardlinks.sort(Map.Entry.comparingByKey());
    ImmutableMap.Builder<String, ImmutableMap<TarEntry, FileEntry>> layered = ImmutableMap.builder();
    byLayer.forEach((l, m) -> layered.put(l, ImmutableMap.copyOf(m)));
    return new UnpackPlan(ImmutableList.copyOf(directories), root, layered.buildOrThrow(), ImmutableList.copyOf(hardlinks), fileBytes);
  }

  /** Refuses an entry whose parent the view holds as a non-directory (the view lists every parent). */
  private static void checkParents(FileEntry e, Map<String, FileEntry> byPath) throws RefusedEntry {
    int slash = e.path().lastIndexOf('/');
    if (slash < 0) {
      return;
    }
    String dir = e.path().substring(0, slash);
    FileEntry parent = byPath.get(dir);
    if (parent == null) {
      throw new RefusedEntry(e, "its parent \"" + dir + "\" is not in the merged view");
    }
    if (parent.type() != EntryType.DIR) {
      throw new RefusedEntry(e,
          "its parent \"" + dir + "\" is a " + parent.type().label() + " (layer " + parent.layer()
              + "): writing through it could leave the tree");
    }
  }

  /** Every directory to create, parents before children. */
  public ImmutableList<FileEntry> directories() {
    return directories;
  }

  /** The entries layer {@code digest} writes, by the tar entry their content and type are read from. */
  public ImmutableMap<TarEntry, FileEntry> entriesOf(String digest) {
    return byLayer.getOrDefault(digest, ImmutableMap.of());
  }

  /** Link path to target path, to be made once every layer is written; a target is never itself in this list. */
  public ImmutableList<Map.Entry<String, String>> hardlinks() {
    return hardlinks;
  }

  /** Content bytes of the files the tree will hold (hardlinks not counted). */
  public long fileBytes() {
    return fileBytes;
  }

  /** Creates every directory of the plan in {@code tree}, parents first. */
  public void createDirectories(SafeTree tree) throws IOException {
    for (FileEntry d : directories) {
      tree.mkdir(d.path());
    }
  }

  /**
   * Makes the hardlinks, then applies directory metadata deepest first, the root's own entry last
   * (as umoci does; without one the root keeps what the caller gave it): the last step of an unpack.
   */
  public void finish(SafeTree tree) throws IOException {
    for (Map.Entry<String, String> link : hardlinks) {
      tree.hardlink(link.getKey(), link.getValue());
    }
    for (FileEntry d : directories.reverse()) {
      tree.finishDirectory(d);
    }
    if (root != null) {
      tree.finishRoot(root);
    }
  }
}
