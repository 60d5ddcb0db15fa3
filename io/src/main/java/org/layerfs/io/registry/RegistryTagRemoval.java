package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.layerfs.io.dest.PrunedReferrers;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;

/**
 * Removing tags from a repository of a registry, decided one way whether it is done or only
 * told ({@code --dry-run}), so that a dry run says what the run will do. A registry deletes
 * manifests, and every tag of a deleted manifest goes with it: a manifest is deleted only when
 * no other tag names it, directly or as a child of the index it names. A tag whose manifest
 * another tag needs is deleted alone where the registry can (OCI distribution 1.1), and kept
 * otherwise. A tag that is not there counts as removed, so a retried removal succeeds.
 */
final class RegistryTagRemoval {
  private final RegistryClient client;
  private final RegistryLocation location;
  /** Indexes read, by digest: the referrers found and the tags deleted both need a kept index's manifests. */
  private final Map<Digest, ImmutableList<Descriptor>> indexes = new HashMap<>();

  RegistryTagRemoval(RegistryClient client, RegistryLocation location) {
    this.client = client;
    this.location = location;
  }

  /** Removes {@code tags}, never a tag outside them; {@code present} is every tag the repository has. */
  TagRemoval remove(Collection<String> tags, Collection<String> present) throws IOException {
    return decide(tags, named(present), deleting());
  }

  /**
   * Removes {@code tags} and what travels with the images no tag that stays names any more
   * ({@link PrunedReferrers}): the referrer manifests first, deepest first, then their fallback
   * and legacy tags with {@code tags}; with {@code plan}, deletes nothing and tells the same.
   */
  TagRemoval removeImages(
      ReferrersApi referrersApi, Collection<String> tags, PrunedReferrers.Scope scope, Collection<String> present, boolean plan)
      throws IOException {
    Map<String, Descriptor> named = named(present);
    PrunedReferrers.Found found = PrunedReferrers.of(named, tags, scope, new PrunedReferrers.Store() {
      @Override
      public ImmutableList<Descriptor> referrers(Digest subject) throws IOException {
        return RegistryReferrers.list(client, referrersApi, location.repository(), subject, () -> ImmutableList.copyOf(present));
      }

      @Override
      public ImmutableList<Descriptor> children(Descriptor index) throws IOException {
        return indexChildren(index);
      }
    });
    Deletes deletes = plan ? planning(present) : deleting();
    for (Descriptor referrer : found.manifests()) {
      deletes.manifest(referrer.digest());
    }
    Set<String> all = new LinkedHashSet<>(found.tags());
    all.addAll(tags);
    TagRemoval removal = decide(all, named, deletes);
    ImmutableList.Builder<String> referrers = ImmutableList.builder();
    found.manifests().forEach(m -> referrers.add("@" + m.digest()));
    removal.removed().stream().filter(found.tags()::contains).forEach(referrers::add);
    ImmutableList<String> removed =
        removal.removed().stream().filter(t -> !found.tags().contains(t)).collect(ImmutableList.toImmutableList());
    return new TagRemoval(removed, removal.kept(), referrers.build());
  }

  private Deletes deleting() {
    return new Deletes() {
      @Override
      public void manifest(Digest digest) throws IOException {
        try {
          client.deleteManifest(location.repository(), digest);
        } catch (RegistryException e) {
          if (!e.isNotFound()) { // gone already: a retried removal succeeds
            throw e;
          }
        }
      }

      @Override
      public boolean tagAlone(String tag) throws IOException {
        return client.deleteTag(location.repository(), tag);
      }
    };
  }

  /**
   * What {@link #remove} would do, deleting nothing. Whether the registry deletes a tag alone is
   * known only by asking: it is asked, once and only when a tag needs it, to delete a tag the
   * repository does not have (a registry that can answers 404 or 2xx, one that cannot 400, 405
   * or 501).
   */
  TagRemoval plan(Collection<String> tags, Collection<String> present) throws IOException {
    return decide(tags, named(present), planning(present));
  }

  private Deletes planning(Collection<String> present) {
    return new Deletes() {
      private Boolean deletesTags;

      @Override
      public void manifest(Digest digest) {}

      @Override
      public boolean tagAlone(String tag) throws IOException {
        if (deletesTags == null) {
          deletesTags = deletesATagAlone(present);
        }
        return deletesTags;
      }
    };
  }

  private boolean deletesATagAlone(Collection<String> present) throws IOException {
    String absent;
    do {
      absent = "layerfs-dry-run-" + UUID.randomUUID().toString().replace("-", "");
    } while (present.contains(absent));
    try {
      return client.deleteTag(location.repository(), absent);
    } catch (RegistryException e) {
      if (e.isNotFound()) {
        return true;
      }
      throw e;
    }
  }

  /** The deletes a removal makes: at the registry, or none for a plan. */
  private interface Deletes {
    void manifest(Digest digest) throws IOException;

    /** Deletes the tag alone; false when the registry cannot. */
    boolean tagAlone(String tag) throws IOException;
  }

  /** Every tag of {@code present} that still names a manifest, with it: a HEAD each. */
  private Map<String, Descriptor> named(Collection<String> present) throws IOException {
    Map<String, Descriptor> named = new LinkedHashMap<>();
    for (String tag : present) {
      Optional<Descriptor> manifest = client.headManifest(location.repository(), tag);
      manifest.ifPresent(m -> named.put(tag, m));
    }
    return named;
  }

  private TagRemoval decide(Collection<String> tags, Map<String, Descriptor> named, Deletes deletes) throws IOException {
    Set<String> removing = new LinkedHashSet<>(tags);
    Map<Digest, String> needed = neededByOtherTags(named, removing);
    ImmutableList.Builder<String> removed = ImmutableList.builder();
    ImmutableMap.Builder<String, String> kept = ImmutableMap.builder();
    Set<Digest> deleted = new HashSet<>();
    for (String tag : removing) {
      Descriptor manifest = named.get(tag);
      if (manifest == null || deleted.contains(manifest.digest())) {
        removed.add(tag);
      } else if (!needed.containsKey(manifest.digest())) {
        deletes.manifest(manifest.digest());
        deleted.add(manifest.digest());
        removed.add(tag);
      } else if (deletes.tagAlone(tag)) {
        removed.add(tag);
      } else {
        kept.put(tag, "shares manifest " + manifest.digest() + " with " + needed.get(manifest.digest())
            + "; registry " + location.registry() + " deletes manifests with all their tags, not one tag");
      }
    }
    return new TagRemoval(removed.build(), kept.build());
  }

  /**
   * The manifests that tags outside {@code removing} need, each with a tag that needs it: the
   * manifest a tag names, and the manifests of the index a tag names.
   */
  private Map<Digest, String> neededByOtherTags(Map<String, Descriptor> named, Set<String> removing)
      throws IOException {
    Map<Digest, String> needed = new HashMap<>();
    for (Map.Entry<String, Descriptor> e : named.entrySet()) {
      if (removing.contains(e.getKey())) {
        continue;
      }
      Descriptor manifest = e.getValue();
      needed.putIfAbsent(manifest.digest(), "tag " + e.getKey());
      if (MediaTypes.isIndex(manifest.mediaType())) {
        for (Descriptor child : indexChildren(manifest)) {
          needed.putIfAbsent(child.digest(), "tag " + e.getKey() + " (in its index)");
        }
      }
    }
    return needed;
  }

  private ImmutableList<Descriptor> indexChildren(Descriptor manifest) throws IOException {
    ImmutableList<Descriptor> children = indexes.get(manifest.digest());
    if (children == null) {
      RemoteManifest index = client.pullManifest(location.repository(), manifest.digest().toString());
      String what = "index " + manifest.digest() + " of docker://" + location;
      children = ImageJson.parseManifestOrIndex(index.bytes(), manifest.mediaType(), what).index().get().manifests();
      indexes.put(manifest.digest(), children);
    }
    return children;
  }
}
