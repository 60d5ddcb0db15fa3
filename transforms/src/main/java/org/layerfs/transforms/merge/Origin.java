package org.layerfs.transforms.merge;

import java.io.Serializable;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The tar entry that made an inode of the merged tree: a file, symlink, fifo or device as its
 * layer's catalog holds it, and which occurrence of its path in that layer it is (0 for the first:
 * a path may appear twice in one tar). Every name of a hardlink group has the same origin, so the
 * tree can be written as a layer-by-layer extractor leaves it even when the origin's own name is
 * gone or was rewritten.
 */
public record Origin(FileEntry entry, int occurrence) implements Serializable {
  private static final long serialVersionUID = 1L;
}
