package org.layerfs.transforms.tar;

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

  public static EntryType fromLabel(String label) {
    for (EntryType t : values()) {
      if (t.label.equals(label)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown entry type \"" + label + "\"");
  }
}
