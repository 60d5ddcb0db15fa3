package org.layerfs.transforms.merge;

import org.layerfs.transforms.tar.FileEntry;

/**
 * A hardlink that a layer-by-layer extractor cannot make: its target was not in the tree when the
 * link's layer was applied (or comes later in the same tar), or is a directory. The index keeps
 * such a link; an unpack refuses it.
 */
public record BadLink(FileEntry link, String reason) {}
