package org.layerfs.io.dest;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

/**
 * What removing tags from a store did: the tags removed, and each tag kept with the reason
 * ({@code shares manifest sha256:… with tag …}) for the report.
 */
public record TagRemoval(ImmutableList<String> removed, ImmutableMap<String, String> kept) {

  /** Every tag removed, none kept. */
  public static TagRemoval all(Iterable<String> tags) {
    return new TagRemoval(ImmutableList.copyOf(tags), ImmutableMap.of());
  }
}
