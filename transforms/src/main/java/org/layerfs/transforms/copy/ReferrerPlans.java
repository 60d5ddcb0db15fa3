package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ReferrerFinder;

/**
 * What travels with the images a run selects: their OCI 1.1 referrers (of an index, of the index
 * and of each of its manifests), the referrers of those to {@link #MAX_DEPTH} levels, and cosign's
 * legacy {@code sha256-<hex>.sig/.att/.sbom} tags. Each becomes a {@link CopyPlan}: a referrer is
 * copied by digest and committed as a referrer of its subject, a legacy tag under its tag. A sync
 * plans only what the destination does not list yet.
 */
public final class ReferrerPlans {
  /** A signature on an SBOM on an image is depth 2; deeper chains are cut here. */
  static final int MAX_DEPTH = 4;

  /** An image planning selected (to copy, or found in step): its request, name and root manifest or index. */
  public record Subject(CopyRequest request, ImageReference image, Descriptor root) {}

  /**
   * The subject of an immutable tag the destination has as {@code digest}, the source not asked:
   * known by its digest alone, its referrers and legacy tags are looked up by the digest and,
   * its media type unknown, it is not read as an index. None for a sparse index, which is the
   * destination's own and has no referrers at the source.
   */
  static List<Subject> immutable(CopyRequest request, ImageReference image, Digest digest) {
    return request.sparse() ? List.of() : List.of(new Subject(request, image, Descriptor.of("", digest, 0)));
  }

  /** The plans for what travels with the subjects, and notes on what could not (one line each). */
  public record Found(ImmutableList<CopyPlan> plans, ImmutableList<CopyOutcome> notes) {}

  private final OpenStores stores;
  private final ImmutableMap<ImageReference, ImmutableList<String>> listedTags;
  private final List<CopyPlan> plans = new ArrayList<>();
  private final List<CopyOutcome> notes = new ArrayList<>();
  /** The finder of each store, source or destination, so that each store's tag list is fetched once. */
  private final Map<ImageReference, ReferrerFinder> finders = new HashMap<>();
  /** Destination and digest of every referrer planned or found there, so that none is planned twice. */
  private final Set<String> seen = new HashSet<>();

  private ReferrerPlans(OpenStores stores, ImmutableMap<ImageReference, ImmutableList<String>> listedTags) {
    this.stores = stores;
    this.listedTags = listedTags;
  }

  /** Plans what travels with {@code subjects}; {@code listedTags} are the source tag lists planning fetched. */
  public static Found plan(
      List<Subject> subjects, OpenStores stores, ImmutableMap<ImageReference, ImmutableList<String>> listedTags) {
    ReferrerPlans p = new ReferrerPlans(stores, listedTags);
    for (Subject s : subjects) {
      if (s.request().referrers()) {
        p.plan(s);
      }
    }
    return new Found(ImmutableList.copyOf(p.plans), ImmutableList.copyOf(p.notes));
  }

  /**
   * The subjects {@code plan} copies: its root, or for a sparse index, which is new and has no
   * referrers, the platform images it keeps.
   */
  static List<Subject> subjects(CopyRequest request, CopyPlan plan) throws IOException {
    if (!plan.root().annotations().containsKey(SparseIndex.SOURCE_INDEX)) {
      return List.of(new Subject(request, plan.image(), plan.root()));
    }
    ManifestBlob index = plan.manifests().get(plan.manifests().size() - 1);
    String what = "index " + index.descriptor().digest() + " of " + plan.image();
    List<Subject> kept = new ArrayList<>();
    ImageJson.parseManifestOrIndex(index.bytes(), index.descriptor().mediaType(), what).index()
        .ifPresent(i -> i.manifests().forEach(m -> kept.add(new Subject(request, plan.image(), m))));
    return kept;
  }

  private void plan(Subject subject) {
    CopyRequest request = subject.request();
    try {
      ImageSource source = stores.source(request.source(), request.sourceRegistry());
      ReferrerFinder finder = finders.computeIfAbsent(request.source().store(),
          s -> new ReferrerFinder(source, Optional.ofNullable(listedTags.get(s))));
      if (!finder.holdsReferrers() || !finder.mayHaveReferrers()) {
        return;
      }
      if (request.destination().transport() == ImageReference.Transport.DOCKER_ARCHIVE) {
        if (!finder.referrers(subject.root().digest()).isEmpty()) {
          notes.add(CopyOutcome.skipped(subject.image(), request.destination(), subject.root().digest(),
              "referrers not copied: a docker archive cannot hold them (copy to an OCI layout or a registry)"));
        }
        return;
      }
      ImageDestination destination = stores.destination(request.destination(), request.destinationRegistry());
      CopyPlanner planner = new CopyPlanner(source);
      long now = System.currentTimeMillis();
      for (Descriptor s : subjectsOf(subject, source)) {
        referrers(request, finder, destination, planner, s, 0, now);
      }
      legacyTags(request, finder, source, destination, subject.root().digest(), now);
    } catch (IOException | UncheckedIOException e) {
      notes.add(CopyOutcome.failed("referrers of " + subject.image(), e.getMessage()));
    }
  }

  /**
   * The subjects of a tag a sync found unchanged: its source root when the destination holds the
   * same ({@code there}), else, a platform having been chosen, the platform manifests of the
   * source index the destination holds (their digests are the source's; the index read to
   * compare is read again from the run's documents, not the registry).
   */
  static List<Subject> unchanged(CopyRequest request, ImageReference image, ImageSource source, Descriptor root, Digest there)
      throws IOException {
    if (root.digest().equals(there)) {
      return List.of(new Subject(request, image, root));
    }
    String what = "index " + root.digest() + " of " + image;
    byte[] bytes = source.readBlob(root);
    Set<Digest> kept = SparseIndex.selected(bytes, root.mediaType(), request.platforms(), what);
    List<Subject> subjects = new ArrayList<>();
    for (Descriptor m : ImageJson.parseManifestOrIndex(bytes, root.mediaType(), what).index().get().manifests()) {
      if (kept.contains(m.digest())) {
        subjects.add(new Subject(request, image, m));
      }
    }
    return subjects;
  }

  /** The root, and for an index copied whole, each manifest it lists: each may have referrers. */
  private static List<Descriptor> subjectsOf(Subject subject, ImageSource source) throws IOException {
    List<Descriptor> all = new ArrayList<>();
    all.add(subject.root());
    if (MediaTypes.isIndex(subject.root().mediaType()) && subject.request().platform().isEmpty()) {
      String what = "index " + subject.root().digest() + " of " + subject.image();
      ImageJson.Document doc = ImageJson.parseManifestOrIndex(source.readBlob(subject.root()), subject.root().mediaType(), what);
      doc.index().ifPresent(i -> all.addAll(i.manifests()));
    }
    return all;
  }

  private void referrers(
      CopyRequest request, ReferrerFinder finder, ImageDestination destination, CopyPlanner planner, Descriptor subject,
      int depth, long now) throws IOException {
    if (depth >= MAX_DEPTH) {
      return;
    }
    ImmutableList<Descriptor> found = finder.referrers(subject.digest());
    if (found.isEmpty()) {
      return;
    }
    Set<Digest> atDestination = new HashSet<>();
    // Asked only when the source has referrers: a sync copies those the destination does not list.
    Optional<ReferrerFinder> there = request.onlyChanged() ? destinationFinder(request, destination) : Optional.empty();
    if (there.isPresent()) {
      there.get().referrers(subject.digest()).forEach(d -> atDestination.add(d.digest()));
    }
    for (Descriptor referrer : found) {
      if (!request.selectsReferrer(referrer.artifactType().orElse(""))
          || !seen.add(request.destination().store() + "@" + referrer.digest())) {
        continue;
      }
      if (!atDestination.contains(referrer.digest())) {
        ImageReference image = request.source().store().withDigest(referrer.digest());
        plans.add(planner.planRoot(request, image, "", referrer, "", now).asReferrerOf(subject));
      }
      referrers(request, finder, destination, planner, referrer, depth + 1, now);
    }
  }

  /**
   * cosign's legacy tags of {@code digest}, unless the tag selection already took them as images
   * of their own; with {@code --referrers-type}, those whose payload type it finds ({@link FallbackIndex#legacyType}).
   */
  private void legacyTags(
      CopyRequest request, ReferrerFinder finder, ImageSource source, ImageDestination destination, Digest digest, long now)
      throws IOException {
    boolean wholeStore = request.source().tag().isEmpty() && request.source().digest().isEmpty();
    for (ReferrerFinder.Tagged t : finder.legacyTags(digest)) {
      if ((wholeStore && request.selects(t.tag())) || !seen.add(request.destination().store() + ":" + t.tag())) {
        continue;
      }
      // Under its own name, whatever tag the destination gives the image: its name says whose it is.
      String destinationTag = request.namePrefix() + t.tag();
      if (request.onlyChanged() && destination.tagDigest(destinationTag).equals(Optional.of(t.manifest().digest()))) {
        continue;
      }
      if (request.referrersType().isPresent() && !request.selectsReferrer(
          FallbackIndex.legacyType(source.readBlob(t.manifest()), t.tag() + " of " + request.source()))) {
        continue;
      }
      plans.add(new CopyPlanner(source).planRoot(request, request.source().store().withTag(t.tag()), t.tag(), t.manifest(), destinationTag, now));
    }
  }

  /**
   * The destination read as a store of referrers, its tag list fetched once; none when it does
   * not exist yet (it lists no referrers).
   */
  private Optional<ReferrerFinder> destinationFinder(CopyRequest request, ImageDestination destination) throws IOException {
    ImageReference store = request.destination().store();
    if (!finders.containsKey(store)) {
      try {
        ImmutableList<String> tags = destination.tags();
        ImageSource readable = stores.source(store, request.destinationRegistry());
        finders.put(store, new ReferrerFinder(readable, Optional.of(tags)));
      } catch (NoSuchFileException | ImageFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.of(finders.get(store));
  }
}
