package org.layerfs.io.dest;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

/**
 * What removing tags from a store did: the tags removed, each tag kept with the reason
 * ({@code shares manifest sha256:… with tag …}) for the report, and the referrers that went with
 * the images removed (tags, or {@code @digest} for a referrer manifest; see {@link PrunedReferrers}).
 */
public record TagRemoval(ImmutableList<String> removed, ImmutableMap<String, String> kept, ImmutableList<String> referrers) {

  public TagRemoval(ImmutableList<String> removed, ImmutableMap<String, String> kept) {
    this(removed, kept, ImmutableList.of());
  }

  /** Every tag removed, none kept. */
  public static TagRemoval all(Iterable<String> tags) {
    return new TagRemoval(ImmutableList.copyOf(tags), ImmutableMap.of());
  }
}
