package org.layerfs.io.dest;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.MediaTypes;

/**
 * What goes with the images a prune removes: the referrers of each manifest no kept tag names
 * any more (of an index, of the index and each manifest in it), the referrers of those to
 * {@link #MAX_DEPTH} levels, the fallback tags listing them and cosign's legacy tags. An image
 * that a kept tag still names, directly or inside its index, keeps all of them. Deepest first,
 * so that a removal cut short leaves every remaining referrer listed, and a rerun finds it.
 */
public final class PrunedReferrers {
  /** The depth referrers travel to (see the copy side's {@code ReferrerPlans}). */
  static final int MAX_DEPTH = 4;

  /** How one store lists referrers and reads an index. */
  public interface Store {
    /** The referrers of {@code subject}: the referrers API or the fallback tag's index. */
    ImmutableList<Descriptor> referrers(Digest subject) throws IOException;

    /** The manifests an index lists. */
    ImmutableList<Descriptor> children(Descriptor index) throws IOException;
  }

  /**
   * The referrer tags to remove (fallback and legacy tags) and the referrer manifests to remove
   * by digest, each deepest first.
   */
  public record Found(ImmutableList<String> tags, ImmutableList<Descriptor> manifests) {
    /** Every removal as a reference relative to the store: a tag, or {@code @digest}. */
    public ImmutableList<String> references() {
      ImmutableList.Builder<String> all = ImmutableList.builder();
      manifests.forEach(m -> all.add("@" + m.digest()));
      return all.addAll(tags).build();
    }
  }

  private final Map<String, Descriptor> named;
  private final Store store;
  private final Set<Digest> needed = new HashSet<>();
  private final Set<Digest> visited = new HashSet<>();
  private final Set<String> keep;
  private final String legacyPrefix;
  private final Set<String> tags = new LinkedHashSet<>();
  private final Map<Digest, Descriptor> manifests = new LinkedHashMap<>();

  private PrunedReferrers(Map<String, Descriptor> named, Scope scope, Store store) {
    this.named = named;
    this.keep = scope.keep();
    this.legacyPrefix = scope.legacyPrefix();
    this.store = store;
  }

  /**
   * Tags a prune leaves whatever ({@code keep}: those the run's source still has), and what the
   * store's legacy cosign tags have before {@code sha256-} (a mirror's name prefix).
   */
  public record Scope(Set<String> keep, String legacyPrefix) {}

  /** What travels with the images {@code removing} names; {@code named} is every tag of the store with its manifest. */
  public static Found of(Map<String, Descriptor> named, Collection<String> removing, Scope scope, Store store)
      throws IOException {
    PrunedReferrers p = new PrunedReferrers(named, scope, store);
    p.findNeeded(removing);
    for (String tag : removing) {
      Descriptor root = named.get(tag);
      if (root == null || p.needed.contains(root.digest())) {
        continue;
      }
      p.subject(root, 0);
      if (MediaTypes.isIndex(root.mediaType())) {
        for (Descriptor child : store.children(root)) {
          if (!p.needed.contains(child.digest())) {
            p.subject(child, 0);
          }
        }
      }
    }
    return new Found(ImmutableList.copyOf(p.tags), ImmutableList.copyOf(p.manifests.values()));
  }

  /**
   * The manifests the tags that stay name, and those in their indexes. The tags that list or
   * carry referrers are not among them: they belong to their subjects.
   */
  private void findNeeded(Collection<String> removing) throws IOException {
    for (Map.Entry<String, Descriptor> e : named.entrySet()) {
      String tag = e.getKey();
      if (removing.contains(tag) || FallbackIndex.isTag(tag)
          || tag.startsWith(legacyPrefix) && FallbackIndex.isLegacyTag(tag.substring(legacyPrefix.length()))) {
        continue;
      }
      needed.add(e.getValue().digest());
      if (MediaTypes.isIndex(e.getValue().mediaType())) {
        store.children(e.getValue()).forEach(c -> needed.add(c.digest()));
      }
    }
  }

  /** The referrers of {@code subject} (theirs first), then its fallback and legacy tags. */
  private void subject(Descriptor subject, int depth) throws IOException {
    if (depth >= MAX_DEPTH || !visited.add(subject.digest())) {
      return;
    }
    for (Descriptor referrer : store.referrers(subject.digest())) {
      if (needed.contains(referrer.digest())) {
        continue;
      }
      subject(referrer, depth + 1);
      manifests.putIfAbsent(referrer.digest(), referrer);
    }
    List<String> own = new ArrayList<>();
    FallbackIndex.legacyTags(subject.digest()).forEach(t -> own.add(legacyPrefix + t));
    own.add(FallbackIndex.tag(subject.digest()));
    for (String tag : own) {
      if (named.containsKey(tag) && !keep.contains(tag)) {
        tags.add(tag);
      }
    }
  }
}
