package org.layerfs.transforms.tar;

import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/** The kinds of filesystem entry a layer's tar can hold. */
public enum EntryType {
  FILE("file"),
  DIR("dir"),
  SYMLINK("symlink"),
  HARDLINK("hardlink"),
  FIFO("fifo"),
  CHAR("char"),
  BLOCK("block");

  private final String label;

  EntryType(String label) {
    this.label = label;
  }

  /** The name used in catalogs: {@code file dir symlink hardlink fifo char block}. */
  public String label() {
    return label;
  }

  /** The kind of a tar entry; empty for kinds no layer holds (sparse files, volume labels). */
  public static Optional<EntryType> of(TarArchiveEntry e) {
    if (e.isDirectory()) {
      return Optional.of(DIR);
    } else if (e.isSymbolicLink()) {
      return Optional.of(SYMLINK);
    } else if (e.isLink()) {
      return Optional.of(HARDLINK);
    } else if (e.isFIFO()) {
      return Optional.of(FIFO);
    } else if (e.isCharacterDevice()) {
      return Optional.of(CHAR);
    } else if (e.isBlockDevice()) {
      return Optional.of(BLOCK);
    }
    return e.isFile() ? Optional.of(FILE) : Optional.empty();
  }

  public static EntryType fromLabel(String label) {
    for (EntryType t : values()) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown entry type \"" + label + "\"");
  }
}
