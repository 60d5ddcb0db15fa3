package org.layerfs.transforms.merge;

import java.util.Optional;
import org.layerfs.transforms.tar.FileEntry;

/**
 * An entry of the merged view and, for anything but a directory, the {@link Origin} of its inode
 * (empty for a hardlink whose target was missing or a directory when its layer was applied).
 */
public record MergedEntry(FileEntry entry, Optional<Origin> origin) {}
