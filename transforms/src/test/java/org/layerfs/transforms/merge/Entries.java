package org.layerfs.transforms.merge;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.collect.ImmutableList;
import com.google.common.hash.Hashing;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;

/** Test fixtures: the entries and whiteout markers of a layer's tar, as catalogued. */
final class Entries {
  private Entries() {}

  static ImmutableList<FileEntry> layer(FileEntry... entries) {
    return ImmutableList.copyOf(entries);
  }

  /** A regular file whose sha256 is derived from its path and size. */
  static FileEntry file(String path, long size) {
    String sha = Hashing.sha256().hashString(path + ":" + size, UTF_8).toString();
    return file(path, size, sha);
  }

  static FileEntry file(String path, long size, String sha256) {
    return entry(path, EntryType.FILE).setMode(0644).setSize(size).setSha256(sha256).build();
  }

  static FileEntry dir(String path) {
    return dir(path, 0755);
  }

  static FileEntry dir(String path, int mode) {
    return entry(path, EntryType.DIR).setMode(mode).build();
  }

  static FileEntry symlink(String path, String target) {
    return entry(path, EntryType.SYMLINK).setMode(0777).setLinkTarget(target).build();
  }

  /** A hardlink as the catalogue writes it before merging: size 0, no sha256. */
  static FileEntry hardlink(String path, String target) {
    return entry(path, EntryType.HARDLINK).setMode(0644).setLinkTarget(target).build();
  }

  /** The {@code .wh.NAME} marker that removes {@code path}. */
  static FileEntry whiteout(String path) {
    int slash = path.lastIndexOf('/');
    String marker = path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
    return entry(marker, EntryType.FILE).setWhiteout(path).build();
  }

  /** The {@code .wh..wh..opq} marker of {@code dir} ("" for the root). */
  static FileEntry opaque(String dir) {
    String marker = dir.isEmpty() ? ".wh..wh..opq" : dir + "/.wh..wh..opq";
    return entry(marker, EntryType.FILE).setOpaque(true).build();
  }

  private static FileEntry.Builder entry(String path, EntryType type) {
    return FileEntry.builder().setPath(path).setType(type).setMtime(1_700_000_000L);
  }
}
