package org.layerfs.pipeline.diff;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The differences between two merged views: paths only in the first (removed), only in the second
 * (added), and in both with a different type, content (sha256), mode, owner, link target or
 * device numbers (changed). Modification times are not compared: rebuilding an image changes
 * them without changing what it holds.
 */
public final class ViewDiff {
  /** A path in both views that differs, and in what. */
  public record Change(FileEntry before, FileEntry after, ImmutableList<String> fields) {}

  private final ImmutableList<FileEntry> added;
  private final ImmutableList<FileEntry> removed;
  private final ImmutableList<Change> changed;

  private ViewDiff(List<FileEntry> added, List<FileEntry> removed, List<Change> changed) {
    this.added = ImmutableList.copyOf(added);
    this.removed = ImmutableList.copyOf(removed);
    this.changed = ImmutableList.copyOf(changed);
  }

  /** Compares two views, each sorted by path as merged views are. */
  public static ViewDiff of(Iterable<FileEntry> a, Iterable<FileEntry> b) {
    List<FileEntry> added = new ArrayList<>();
    List<FileEntry> removed = new ArrayList<>();
    List<Change> changed = new ArrayList<>();
    Iterator<FileEntry> ia = a.iterator();
    Iterator<FileEntry> ib = b.iterator();
    FileEntry x = next(ia);
    FileEntry y = next(ib);
    while (x != null || y != null) {
      int c = x == null ? 1 : y == null ? -1 : x.path().compareTo(y.path());
      if (c < 0) {
        removed.add(x);
        x = next(ia);
      } else if (c > 0) {
        added.add(y);
        y = next(ib);
      } else {
        ImmutableList<String> fields = differences(x, y);
        if (!fields.isEmpty()) {
          changed.add(new Change(x, y, fields));
        }
        x = next(ia);
        y = next(ib);
      }
    }
    return new ViewDiff(added, removed, changed);
  }

  private static FileEntry next(Iterator<FileEntry> it) {
    return it.hasNext() ? it.next() : null;
  }

  /** The names of the fields that differ: {@code type content mode uid gid linkTarget device}. */
  static ImmutableList<String> differences(FileEntry x, FileEntry y) {
    ImmutableList.Builder<String> f = ImmutableList.builder();
    if (x.type() != y.type()) {
      f.add("type");
    }
    if (!Objects.equals(x.sha256(), y.sha256()) || x.size() != y.size()) {
      f.add("content");
    }
    if (x.mode() != y.mode()) {
      f.add("mode");
    }
    if (x.uid() != y.uid()) {
      f.add("uid");
    }
    if (x.gid() != y.gid()) {
      f.add("gid");
    }
    if (!x.linkTarget().equals(y.linkTarget())) {
      f.add("linkTarget");
    }
    boolean device = x.type() == EntryType.CHAR || x.type() == EntryType.BLOCK;
    if (device && (x.devMajor() != y.devMajor() || x.devMinor() != y.devMinor())) {
      f.add("device");
    }
    return f.build();
  }

  /** In the second view only, sorted by path. */
  public ImmutableList<FileEntry> added() {
    return added;
  }

  /** In the first view only, sorted by path. */
  public ImmutableList<FileEntry> removed() {
    return removed;
  }

  /** In both, different, sorted by path. */
  public ImmutableList<Change> changed() {
    return changed;
  }

  /** Regular-file bytes of the added paths. */
  public long addedBytes() {
    return added.stream().mapToLong(ViewDiff::fileBytes).sum();
  }

  /** Regular-file bytes of the removed paths. */
  public long removedBytes() {
    return removed.stream().mapToLong(ViewDiff::fileBytes).sum();
  }

  /** Regular-file bytes of the changed paths, after the change. */
  public long changedBytes() {
    return changed.stream().mapToLong(c -> fileBytes(c.after())).sum();
  }

  private static long fileBytes(FileEntry e) {
    return e.type() == EntryType.FILE ? e.size() : 0;
  }
}
