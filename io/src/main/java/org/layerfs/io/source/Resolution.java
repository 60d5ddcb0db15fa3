package org.layerfs.io.source;

import com.google.common.collect.ImmutableList;

/** What a reference resolved to: the images found and the ones that failed on the way. */
public record Resolution(ImmutableList<ResolvedImage> images, ImmutableList<ImageFailure> failures) {}
