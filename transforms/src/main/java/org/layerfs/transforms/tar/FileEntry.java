package org.layerfs.transforms.tar;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableSortedMap;
import java.io.Serializable;
import java.util.Optional;

/**
 * One entry of a layer's tar, as catalogued: its normalised path, what it is, its metadata, the
 * sha256 of its content, and the layer it comes from. Whiteout markers are entries too, with
 * {@link #whiteout()} or {@link #opaque()} set.
 */
@AutoValue
@SerializableAutoValue
public abstract class FileEntry implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Relative, normalised: no {@code ./}, no leading or trailing {@code /}; "" only for the root
   * directory's own entry. Names are bytes, held as {@link TarNames#decode} of them.
   */
  public abstract String path();

  public abstract EntryType type();

  /** Permission bits with setuid, setgid and sticky: {@code mode & 07777}. */
  public abstract int mode();

  public abstract long uid();

  public abstract long gid();

  public abstract String user();

  public abstract String group();

  /** Content size for files and for hardlinks (their target's, when known); 0 otherwise. */
  public abstract long size();

  /** Modification time, epoch seconds. */
  public abstract long mtime();

  /** Symlinks: the target as written. Hardlinks: the normalised path of the linked entry. */
  public abstract Optional<String> linkTarget();

  /** Lower-case hex sha256 of the content, for files and for hardlinks whose target is known. */
  public abstract Optional<String> sha256();

  public abstract int devMajor();

  public abstract int devMinor();

  /**
   * Extended attributes, from {@code SCHILY.xattr.*} / {@code LIBARCHIVE.xattr.*} records. Values
   * are bytes, held as {@link TarNames#decode} of them (as names are).
   */
  public abstract ImmutableSortedMap<String, String> xattrs();

  /** PAX records not already represented by another field. */
  public abstract ImmutableSortedMap<String, String> pax();

  /** For a {@code .wh.NAME} marker: the normalised path it removes from the layers below. */
  public abstract Optional<String> whiteout();

  /** True for a {@code .wh..wh..opq} marker: its directory hides what lower layers put in it. */
  public abstract boolean opaque();

  /** The digest of the layer this entry comes from. */
  public abstract String layer();

  public abstract Builder toBuilder();

  public static Builder builder() {
    return new AutoValue_FileEntry.Builder()
        .setMode(0)
        .setUid(0)
        .setGid(0)
        .setUser("")
        .setGroup("")
        .setSize(0)
        .setMtime(0)
        .setDevMajor(0)
        .setDevMinor(0)
        .setXattrs(ImmutableSortedMap.of())
        .setPax(ImmutableSortedMap.of())
        .setOpaque(false)
        .setLayer("");
  }

  /** True for whiteout and opaque markers, which never appear in a merged view. */
  public boolean isMarker() {
    return whiteout().isPresent() || opaque();
  }

  /** The directory an opaque marker applies to ("" for the root). */
  public String parent() {
    int slash = path().lastIndexOf('/');
    return slash < 0 ? "" : path().substring(0, slash);
  }

  /** The mode as the catalogs write it: four octal digits, e.g. {@code "4755"}. */
  public String modeString() {
    return String.format("%04o", mode());
  }

  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setPath(String path);

    public abstract Builder setType(EntryType type);

    public abstract Builder setMode(int mode);

    public abstract Builder setUid(long uid);

    public abstract Builder setGid(long gid);

    public abstract Builder setUser(String user);

    public abstract Builder setGroup(String group);

    public abstract Builder setSize(long size);

    public abstract Builder setMtime(long mtime);

    public abstract Builder setLinkTarget(String linkTarget);

    public abstract Builder setLinkTarget(Optional<String> linkTarget);

    public abstract Builder setSha256(String sha256);

    public abstract Builder setSha256(Optional<String> sha256);

    public abstract Builder setDevMajor(int devMajor);

    public abstract Builder setDevMinor(int devMinor);

    public abstract Builder setXattrs(ImmutableSortedMap<String, String> xattrs);

    public abstract Builder setPax(ImmutableSortedMap<String, String> pax);

    public abstract Builder setWhiteout(String whiteout);

    public abstract Builder setWhiteout(Optional<String> whiteout);

    public abstract Builder setOpaque(boolean opaque);

    public abstract Builder setLayer(String layer);

    public abstract FileEntry build();
  }
}
