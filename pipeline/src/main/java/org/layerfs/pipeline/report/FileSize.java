package org.layerfs.pipeline.report;

/** A path of a merged view, or a directory of the mirror, and its bytes. */
record FileSize(String path, long bytes) {}
