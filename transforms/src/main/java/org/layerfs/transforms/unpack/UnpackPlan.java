package org.layerfs.transforms.unpack;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * What an unpack writes, worked out from an image's merged view before anything is written: the
 * directories (those of the view and those implied by deeper paths), for each layer the entries
 * it wins (so each path is written once, by the layer that provides it), and the hardlinks,
 * which come last because their target may come from another layer.
 *
 * <p>The plan refuses, naming the entry: a path below a non-directory of the view (a symlink
 * followed by an entry that writes through it), a hardlink to a path the view does not hold or
 * to a directory, hardlink cycles, and trees whose file bytes exceed the limit.
 *
 * <p>A hardlink whose target a higher layer replaced keeps the content its own layer gave it (as
 * a layer-by-layer extractor leaves it): its layer writes it as a copy of the target's old
 * content, read from the same tar. In a layer's entries such a copy is a {@code file} entry at
 * the link's path whose {@code linkTarget} is the tar path the content is read from.
 */
public final class UnpackPlan {
  private final ImmutableList<FileEntry> directories;
  private final ImmutableMap<String, ImmutableMap<String, FileEntry>> byLayer;
  private final ImmutableList<Map.Entry<String, String>> hardlinks;
  private final long fileBytes;

  private UnpackPlan(
      ImmutableList<FileEntry> directories,
      ImmutableMap<String, ImmutableMap<String, FileEntry>> byLayer,
      ImmutableList<Map.Entry<String, String>> hardlinks,
      long fileBytes) {
    this.directories = directories;
    this.byLayer = byLayer;
    this.hardlinks = hardlinks;
    this.fileBytes = fileBytes;
  }

  /**
   * Plans the unpack of a merged view. {@code layers} are the image's layer digests bottom to top,
   * as {@link FileEntry#layer()} spells them; {@code image} is named in refusals.
   */
  public static UnpackPlan of(String image, Iterable<FileEntry> view, List<String> layers, UnpackLimits limits)
      throws UnsafeEntryException {
    try {
      return plan(view, layers, limits);
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

  private static UnpackPlan plan(Iterable<FileEntry> view, List<String> layers, UnpackLimits limits)
      throws UnsafeEntryException, RefusedEntry {
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      position.put(layers.get(i), i); // a layer used twice: its higher use
    }
    Map<String, FileEntry> byPath = new HashMap<>();
    for (FileEntry e : view) {
      byPath.put(e.path(), e);
    }
    TreeMap<String, FileEntry> directories = new TreeMap<>();
    Map<String, Map<String, FileEntry>> byLayer = new LinkedHashMap<>();
    layers.forEach(l -> byLayer.put(l, new LinkedHashMap<>()));
    List<FileEntry> links = new ArrayList<>();
    long fileBytes = 0;
    for (FileEntry e : byPath.values()) {
      Optional<String> unusable = BytePaths.unusable(e.path()); // before anything is written
      if (unusable.isPresent()) {
        throw new RefusedEntry(e, unusable.get());
      }
      addParents(e, byPath, directories);
      switch (e.type()) {
        case DIR -> directories.put(e.path(), e);
        case HARDLINK -> links.add(e);
        default -> {
          if (e.type() == EntryType.FILE) {
            if (e.size() > limits.maxFileSize()) {
              throw new RefusedEntry(e, "file of " + e.size() + " bytes exceeds the limit of " + limits.maxFileSize());
            }
            fileBytes += e.size();
          }
          layerEntries(byLayer, e).put(e.path(), e);
        }
      }
    }
    List<Map.Entry<String, String>> hardlinks = new ArrayList<>();
    Map<String, String> copies = new HashMap<>(); // layer + " " + tar path -> the link that holds the copy
    links.sort(Comparator.comparing(FileEntry::path));
    for (FileEntry link : links) {
      String target = finalTarget(link, byPath);
      FileEntry t = byPath.get(target);
      int linkAt = position.getOrDefault(link.layer(), -1);
      int targetAt = position.getOrDefault(t.layer(), -1);
      if (targetAt <= linkAt) {
        hardlinks.add(Map.entry(link.path(), target));
        continue;
      }
      // The target was replaced above the link's layer: the link keeps the old content.
      String key = link.layer() + " " + link.linkTarget().get();
      String copy = copies.get(key);
      if (copy != null) {
        hardlinks.add(Map.entry(link.path(), copy));
      } else {
        copies.put(key, link.path());
        fileBytes += link.size();
        FileEntry asFile = link.toBuilder().setType(EntryType.FILE).build();
        layerEntries(byLayer, link).put(link.linkTarget().get(), asFile);
      }
    }
    if (fileBytes > limits.maxTotalBytes()) {
      throw new UnsafeEntryException(
          "the tree holds " + fileBytes + " bytes of files, over the limit of " + limits.maxTotalBytes());
    }
    ImmutableMap.Builder<String, ImmutableMap<String, FileEntry>> layered = ImmutableMap.builder();
    byLayer.forEach((l, m) -> layered.put(l, ImmutableMap.copyOf(m)));
    return new UnpackPlan(ImmutableList.copyOf(directories.values()), layered.buildOrThrow(), ImmutableList.copyOf(hardlinks), fileBytes);
  }

  private static Map<String, FileEntry> layerEntries(Map<String, Map<String, FileEntry>> byLayer, FileEntry e) throws RefusedEntry {
    Map<String, FileEntry> m = byLayer.get(e.layer());
    if (m == null) {
      throw new RefusedEntry(e, "its layer is not one of the image's");
    }
    return m;
  }

  /** Records the directories above {@code e}; refuses a parent that the view holds as a non-directory. */
  private static void addParents(FileEntry e, Map<String, FileEntry> byPath, Map<String, FileEntry> directories)
      throws RefusedEntry {
    String path = e.path();
    for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      String dir = path.substring(0, slash);
      if (directories.containsKey(dir)) {
        return; // its own parents were checked when it was added
      }
      FileEntry parent = byPath.get(dir);
      if (parent == null) {
        // Implied by a deeper path, as a layer-by-layer extractor makes it: root's, 0755, made now.
        directories.put(dir, FileEntry.builder().setPath(dir).setType(EntryType.DIR).setMode(0755)
            .setMtime(System.currentTimeMillis() / 1000).setLayer(e.layer()).build());
      } else if (parent.type() != EntryType.DIR) {
        throw new RefusedEntry(e,
            "its parent \"" + dir + "\" is a " + parent.type().label() + " (layer " + parent.layer()
                + "): writing through it could leave the tree");
      } else {
        directories.put(dir, parent);
      }
    }
  }

  /** Follows hardlinks to hardlinks to the entry that is not one; refuses missing targets, directories and cycles. */
  private static String finalTarget(FileEntry link, Map<String, FileEntry> byPath) throws RefusedEntry {
    FileEntry at = link;
    for (int hops = 0; hops <= byPath.size(); hops++) {
      String target = at.linkTarget().orElse("");
      FileEntry t = byPath.get(target);
      if (t == null || target.isEmpty()) {
        throw new RefusedEntry(link, "hardlink to \"" + target + "\", which is not in the image");
      }
      if (t.type() == EntryType.DIR) {
        throw new RefusedEntry(link, "hardlink to \"" + target + "\", which is a directory");
      }
      if (t.type() != EntryType.HARDLINK) {
        return target;
      }
      at = t;
    }
    throw new RefusedEntry(link, "hardlinks form a cycle");
  }

  /** Every directory to create, parents before children. */
  public ImmutableList<FileEntry> directories() {
    return directories;
  }

  /** The entries layer {@code digest} writes, by the (normalised) tar path their content is read from. */
  public ImmutableMap<String, FileEntry> entriesOf(String digest) {
    return byLayer.getOrDefault(digest, ImmutableMap.of());
  }

  /** The layers, bottom to top, each once. */
  public ImmutableList<String> layers() {
    return byLayer.keySet().asList();
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

  /** Makes the hardlinks, then applies directory metadata deepest first: the last step of an unpack. */
  public void finish(SafeTree tree) throws IOException {
    for (Map.Entry<String, String> link : hardlinks) {
      tree.hardlink(link.getKey(), link.getValue());
    }
    for (FileEntry d : directories.reverse()) {
      tree.finishDirectory(d);
    }
  }
}
