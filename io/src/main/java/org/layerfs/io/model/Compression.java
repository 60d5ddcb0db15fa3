package org.layerfs.io.model;

/** How a layer's tar stream is compressed. */
public enum Compression {
  NONE,
  GZIP,
  ZSTD;

  /** The lower-case name used in catalogs and messages. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
