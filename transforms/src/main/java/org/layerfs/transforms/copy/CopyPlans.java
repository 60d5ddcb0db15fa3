package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import com.google.common.util.concurrent.Futures;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.layerfs.io.concurrent.Results;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.registry.RegistryException;
import org.layerfs.io.registry.RegistryLocation;
import org.layerfs.io.registry.RegistrySource;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;

/**
 * Every image a set of requests asks for, planned before the pipeline starts: {@link #toCopy()}
 * the images to copy, {@link #settled()} the outcomes already known (the images a sync found in
 * step, those that could not be planned). Planning reads manifests and compares tags, little work
 * beside the blobs; done first, it lets a sync that has nothing to do end without a pipeline.
 *
 * <p>A registry source is planned tag by tag: its tags are listed once per repository and chosen
 * before any is resolved, and a sync asks about an unchanged tag with one HEAD at each end (none
 * at the source for an immutable tag the destination has). {@link #listedTags} are the tag lists
 * fetched, by source repository, for pruning to reuse.
 */
public record CopyPlans(
    ImmutableList<CopyPlan> toCopy, ImmutableList<CopyOutcome> settled, ImmutableMap<ImageReference, ImmutableList<String>> listedTags) {
  /** Threads planning registry references; each registry's own limit is what bounds its requests. */
  private static final int THREADS = 32;

  /** Plans {@code requests} in order, reading sources and destinations through {@code stores}. */
  public static CopyPlans plan(List<CopyRequest> requests, OpenStores stores) {
    return plan(requests, stores, RateLimitPolicy.of(RateLimitPolicy.Action.IGNORE), line -> {}, () -> {});
  }

  /**
   * As {@link #plan(List, OpenStores)}, weighing each source registry's stated pull budget
   * against the manifests to fetch there before fetching any, per {@code rateLimit}; what it
   * finds is said to {@code say}. {@code changesFound} runs once, before the manifests of the
   * registry references found changed are fetched, when there are any: the caller can prepare
   * the copy while they are.
   */
  public static CopyPlans plan(
      List<CopyRequest> requests, OpenStores stores, RateLimitPolicy rateLimit, Consumer<String> say, Runnable changesFound) {
    return new Planning(stores, new PullBudget(rateLimit, say), changesFound).plan(requests);
  }

  /** What planning one reference (or a request that failed whole) found; merged in request order. */
  private static final class Found {
    final List<CopyPlan> toCopy = new ArrayList<>();
    final List<CopyOutcome> settled = new ArrayList<>();
    /** The images selected, copied or in step, whose referrers travel with them. */
    final List<ReferrerPlans.Subject> subjects = new ArrayList<>();
  }

  /** A registry reference that the HEADs found changed: its manifests are fetched once the budget allows. */
  private record Pending(
      CopyRequest request, ImageReference reference, boolean listed, RegistrySource source, ImageDestination destination,
      Map<String, Optional<Digest>> asked, Found found) {}

  /** Planning work that reads a registry. */
  private interface RegistryWork {
    void run() throws IOException;
  }

  /** One request to a registry, with its answer. */
  private interface RegistryCall<T> {
    T run() throws IOException;
  }

  /**
   * One planning run. The tag lists of every request that lists a repository are asked for side
   * by side; the stores are opened one request after another; then the references of every
   * registry request are planned together, at most each registry's
   * limit ({@link CopyRequest#sourceConcurrency}, {@link CopyRequest#destinationConcurrency}) at a
   * time at that registry, and the results merged in request order, so a report is the same
   * however the requests interleaved.
   */
  private static final class Planning {
    private final OpenStores stores;
    private final Map<ImageReference, ImmutableList<String>> tagLists = new HashMap<>();
    /** The tag lists being fetched, by repository, each asked for once. */
    private final Map<ImageReference, Future<ImmutableList<String>>> listing = new HashMap<>();
    /** Each registry's permits for planning's requests, by registry; taken from the planning threads. */
    private final Map<String, Semaphore> limits = new ConcurrentHashMap<>();
    private final List<Future<Found>> results = new ArrayList<>();
    private final PullBudget budget;
    private final List<Pending> pending = Collections.synchronizedList(new ArrayList<>());
    private final Runnable changesFound;

    Planning(OpenStores stores, PullBudget budget, Runnable changesFound) {
      this.stores = stores;
      this.budget = budget;
      this.changesFound = changesFound;
    }

    CopyPlans plan(List<CopyRequest> requests) {
      ExecutorService threads = Executors.newFixedThreadPool(THREADS);
      try {
        listAhead(requests, threads);
        for (CopyRequest request : requests) {
          Found whole = new Found();
          try {
            ImageSource source = stores.source(request.source(), request.sourceRegistry());
            ImageDestination destination = stores.destination(request.destination(), request.destinationRegistry());
            Map<String, Optional<Digest>> asked = new HashMap<>();
            if (source instanceof RegistrySource registry) {
              planTags(request, registry, destination, threads);
            } else if (!(source instanceof OciLayout layout && inStep(request, layout, destination, asked, whole))) {
              planReference(request, request.source(), source, destination, asked, whole);
            }
          } catch (IOException e) {
            whole.settled.add(CopyOutcome.failed(request.source().toString(), e.getMessage()));
          }
          results.add(CompletableFuture.completedFuture(whole));
        }
        results.forEach(Futures::getUnchecked);
        if (!pending.isEmpty()) {
          changesFound.run();
        }
        fetchPending(threads);
        ImmutableList.Builder<CopyPlan> toCopy = ImmutableList.builder();
        ImmutableList.Builder<CopyOutcome> settled = ImmutableList.builder();
        List<ReferrerPlans.Subject> subjects = new ArrayList<>();
        for (Future<Found> f : results) {
          Found one = Futures.getUnchecked(f);
          toCopy.addAll(one.toCopy);
          settled.addAll(one.settled);
          subjects.addAll(one.subjects);
        }
        ReferrerPlans.Found referrers = ReferrerPlans.plan(subjects, stores, ImmutableMap.copyOf(tagLists));
        toCopy.addAll(referrers.plans());
        settled.addAll(referrers.notes());
        return new CopyPlans(toCopy.build(), settled.build(), ImmutableMap.copyOf(tagLists));
      } finally {
        threads.shutdownNow();
      }
    }

    /** Whether {@code request} names a repository, whose tags are listed, rather than one image. */
    private static boolean lists(CopyRequest request) {
      return request.source().tag().isEmpty() && request.source().digest().isEmpty();
    }

    /**
     * Starts fetching the tag list of every repository the requests list, on {@code threads}, at
     * most the source registry's limit at once: one after another, each list was a round trip
     * before any tag could be planned. A store that cannot be opened is left to the request's
     * planning, which reports it.
     */
    private void listAhead(List<CopyRequest> requests, ExecutorService threads) {
      for (CopyRequest request : requests) {
        ImageReference key = request.source().store();
        if (request.source().transport() != ImageReference.Transport.DOCKER || !lists(request) || listing.containsKey(key)) {
          continue;
        }
        ImageSource opened;
        try {
          opened = stores.source(request.source(), request.sourceRegistry());
        } catch (IOException e) {
          continue;
        }
        if (opened instanceof RegistrySource source) {
          Semaphore limit = limits.computeIfAbsent(RegistryLocation.of(request.source()).registry(), r -> new Semaphore(request.sourceConcurrency()));
          listing.put(key, threads.submit(() -> {
            limit.acquireUninterruptibly();
            try {
              return source.tags();
            } finally {
              limit.release();
            }
          }));
        }
      }
    }

    /**
     * Plans a registry request one reference at a time, on {@code threads}: the one it names, or
     * each tag of the repository it selects.
     */
    private void planTags(CopyRequest request, RegistrySource source, ImageDestination destination, ExecutorService threads)
        throws IOException {
      boolean listed = lists(request);
      List<ImageReference> references = listed
          ? tags(request, source).stream().filter(request::selects).map(t -> request.source().store().withTag(t)).toList()
          : List.of(request.source());
      if (request.destination().tag().isPresent() && references.size() > 1) {
        throw new IOException(request.source() + " names " + references.size() + " images; a destination tag ("
            + request.destination() + ") can name only one");
      }
      for (ImageReference reference : references) {
        results.add(threads.submit(() -> {
          Found one = new Found();
          planTag(request, reference, listed, source, destination, one);
          return one;
        }));
      }
    }

    /**
     * Runs {@code call}, one request at the registry {@code at} names, holding one of that
     * registry's {@code limit} permits; a reference outside a registry needs none. A tag's HEADs
     * each hold their own registry's permit alone: holding both ends' permits for both HEADs kept
     * each registry idle while the other was asked, half its limit in use when both are remote.
     */
    private <T> T asking(ImageReference at, int limit, RegistryCall<T> call) throws IOException {
      if (at.transport() != ImageReference.Transport.DOCKER) {
        return call.run();
      }
      Semaphore permits = limits.computeIfAbsent(RegistryLocation.of(at).registry(), r -> new Semaphore(limit));
      permits.acquireUninterruptibly();
      try {
        return call.run();
      } finally {
        permits.release();
      }
    }

    private <T> T askingSource(CopyRequest request, RegistryCall<T> call) throws IOException {
      return asking(request.source(), request.sourceConcurrency(), call);
    }

    private <T> T askingDestination(CopyRequest request, RegistryCall<T> call) throws IOException {
      return asking(request.destination(), request.destinationConcurrency(), call);
    }

    /**
     * The limits a changed reference's fetch holds while it reads its manifests (mostly at the
     * source), in a fixed order (by registry) so that two requests going opposite ways cannot wait
     * on each other.
     */
    private List<Semaphore> permits(CopyRequest request) {
      Map<String, Integer> registries = new TreeMap<>();
      registries.put(RegistryLocation.of(request.source()).registry(), request.sourceConcurrency());
      if (request.destination().transport() == ImageReference.Transport.DOCKER) {
        registries.putIfAbsent(RegistryLocation.of(request.destination()).registry(), request.destinationConcurrency());
      }
      List<Semaphore> permits = new ArrayList<>();
      registries.forEach((registry, limit) -> permits.add(limits.computeIfAbsent(registry, r -> new Semaphore(limit))));
      return permits;
    }

    /**
     * Fetches the manifests of the changed references, a source registry at a time, once its
     * pull budget allows; each at most its registries' limits at a time, as the HEADs were.
     */
    private void fetchPending(ExecutorService threads) {
      Map<String, List<Pending>> byRegistry = new LinkedHashMap<>();
      for (Pending p : pending) {
        byRegistry.computeIfAbsent(p.source().location().registry(), r -> new ArrayList<>()).add(p);
      }
      List<Future<?>> fetching = new ArrayList<>();
      for (Map.Entry<String, List<Pending>> e : byRegistry.entrySet()) {
        List<Pending> group = e.getValue();
        Pending first = group.get(0);
        Optional<String> refused;
        try {
          Set<RegistrySource> sources = new LinkedHashSet<>();
          group.forEach(p -> sources.add(p.source()));
          refused = budget.admit(e.getKey(), group.size(), sources, first.source(),
              first.reference().tag().orElseGet(() -> first.reference().digest().get().toString()));
        } catch (IOException ex) {
          refused = Optional.of(ex.getMessage());
        }
        for (Pending p : group) {
          if (refused.isPresent()) {
            p.found().settled.add(CopyOutcome.failed(p.reference().toString(), refused.get()));
            continue;
          }
          List<Semaphore> permits = permits(p.request());
          fetching.add(threads.submit(() -> {
            permits.forEach(Semaphore::acquireUninterruptibly);
            try {
              guarded(p.reference(), p.listed(), p.found(),
                  () -> planReference(p.request(), p.reference(), p.source(), p.destination(), p.asked(), p.found()));
            } finally {
              permits.forEach(Semaphore::release);
            }
          }));
        }
      }
      fetching.forEach(Futures::getUnchecked);
    }

    /** Runs {@code work} for {@code reference}: its failure is that reference's; a tag deleted since the listing is simply gone. */
    private static void guarded(ImageReference reference, boolean listed, Found found, RegistryWork work) {
      try {
        work.run();
      } catch (RegistryException e) {
        if (!(listed && e.isNotFound())) {
          found.settled.add(CopyOutcome.failed(reference.toString(), e.getMessage()));
        }
      } catch (IOException e) {
        found.settled.add(CopyOutcome.failed(reference.toString(), e.getMessage()));
      }
    }

    /**
     * Asks about one reference of a registry request with HEADs; one found changed is left
     * pending, its manifests fetched when every reference has been asked about.
     */
    private void planTag(
        CopyRequest request, ImageReference reference, boolean listed, RegistrySource source, ImageDestination destination,
        Found found) {
      guarded(reference, listed, found, () -> {
        Map<String, Optional<Digest>> asked = Map.of();
        if (request.onlyChanged() && reference.tag().isPresent()) {
          String tag = reference.tag().get();
          Optional<Digest> at = askingDestination(request, () -> destination.tagDigest(request.destinationName(tag)));
          if (at.isPresent() && unchanged(request, reference, tag, source, at.get(), found)) {
            return;
          }
          asked = Map.of(request.destinationName(tag), at);
        } else if (request.onlyChanged() && reference.digest().isPresent() && request.destination().tag().isEmpty()
            && copiedByDigest(request, reference, source, destination, found)) {
          return;
        }
        pending.add(new Pending(request, reference, listed, source, destination, asked, found));
      });
    }

    /**
     * True, with its outcome found, when the destination's {@code digest} for {@code tag} is
     * what the source has: declared so for an immutable tag, else by one HEAD at the source.
     */
    private boolean unchanged(
        CopyRequest request, ImageReference reference, String tag, RegistrySource source, Digest digest, Found found)
        throws IOException {
      ImageReference target = request.destination().store().withTag(request.destinationName(tag));
      if (request.immutable(tag)) {
        found.settled.add(CopyOutcome.skipped(reference, target, digest,
            "immutable tag: " + target + " is " + digest + "; the source was not asked"));
        found.subjects.addAll(ReferrerPlans.immutable(request, reference, digest));
        return true;
      }
      Optional<Descriptor> at = askingSource(request, () -> source.head(tag));
      boolean same = at.isPresent() && (at.get().digest().equals(digest)
          || !request.platforms().isEmpty() && MediaTypes.isIndex(at.get().mediaType())
              && SparseIndex.expected(at.get(), askingSource(request, () -> source.readBlob(at.get())), request.platforms(),
                  "index " + at.get().digest() + " of " + reference).equals(Optional.of(digest)));
      if (same) {
        found.settled.add(CopyOutcome.skipped(reference, target, digest, "up to date: " + target + " is " + digest));
        found.subjects.addAll(askingSource(request, () -> ReferrerPlans.unchanged(request, reference, source, at.get(), digest)));
      }
      return same;
    }

    /** True, with its outcome found, when the destination has the manifest a digest names (one HEAD at each end). */
    private boolean copiedByDigest(
        CopyRequest request, ImageReference reference, RegistrySource source, ImageDestination destination, Found found)
        throws IOException {
      Optional<Descriptor> manifest = askingSource(request, () -> source.head(reference.digest().get().toString()));
      if (manifest.isEmpty() || !askingDestination(request, () -> destination.hasManifest(manifest.get()))) {
        return false;
      }
      ImageReference target = request.destination().store().withDigest(manifest.get().digest());
      found.settled.add(CopyOutcome.skipped(reference, target, manifest.get().digest(), "up to date: " + target + " is there"));
      found.subjects.add(new ReferrerPlans.Subject(request, reference, manifest.get()));
      return true;
    }

    /**
     * True, with their outcomes in {@code found}, when a sync finds every image a layout request
     * selects already at its destination tag: the digests the layout's index.json names are
     * compared with the destination's, as a registry's tags are by HEAD, and no manifest is read.
     * Reading and checking each manifest and config first was a third of a sync with nothing to do
     * (README, "Start-up, ninth session"). Anything else (a platform chosen, an untagged image, a
     * cosign tag, a tag that changed) is left to {@link #planReference}, which plans it whole; the
     * destination's tags asked here go to it in {@code asked}, not asked again.
     */
    private static boolean inStep(
        CopyRequest request, OciLayout layout, ImageDestination destination, Map<String, Optional<Digest>> asked, Found found)
        throws IOException {
      ImageReference named = request.source();
      if (!request.onlyChanged() || !request.platforms().isEmpty() || named.digest().isPresent()) {
        return false;
      }
      Map<String, Descriptor> selected = new LinkedHashMap<>();
      for (Descriptor entry : layout.index().manifests()) {
        Optional<String> tag = entry.refName();
        if (tag.isEmpty()) {
          if (named.tag().isEmpty()) {
            return false;
          }
          continue;
        }
        if (named.tag().isPresent() && !named.tag().equals(tag) || !request.selects(tag.get())) {
          continue;
        }
        Descriptor previous = selected.putIfAbsent(tag.get(), entry);
        if (FallbackIndex.isLegacyTag(tag.get()) || previous != null && !previous.digest().equals(entry.digest())) {
          return false;
        }
      }
      if (selected.isEmpty() || request.destination().tag().isPresent() && selected.size() > 1) {
        return false;
      }
      List<String> targetTags = selected.keySet().stream().map(request::destinationName).toList();
      Map<String, Digest> there = destination.tagDigests(targetTags);
      targetTags.forEach(t -> asked.put(t, Optional.ofNullable(there.get(t))));
      Found inStep = new Found();
      for (Map.Entry<String, Descriptor> e : selected.entrySet()) {
        Digest digest = e.getValue().digest();
        String targetTag = request.destinationName(e.getKey());
        if (!digest.equals(there.get(targetTag))) {
          return false;
        }
        ImageReference target = request.destination().store().withTag(targetTag);
        ImageReference image = named.tag().isPresent() ? named : named.store().withTag(e.getKey());
        inStep.settled.add(CopyOutcome.skipped(image, target, digest, "up to date: " + target + " is " + digest));
        inStep.subjects.add(new ReferrerPlans.Subject(request, image, e.getValue()));
      }
      found.settled.addAll(inStep.settled);
      found.subjects.addAll(inStep.subjects);
      return true;
    }

    /** The tags of the request's source repository, listed once per run. */
    private ImmutableList<String> tags(CopyRequest request, RegistrySource source) throws IOException {
      ImageReference key = request.source().store();
      ImmutableList<String> tags = tagLists.get(key);
      if (tags == null) {
        Future<ImmutableList<String>> listed = listing.get(key);
        tags = listed == null ? source.tags() : Results.get(listed, "listing the tags of " + key);
        tagLists.put(key, tags);
      }
      return tags;
    }

    /**
     * Plans the images {@code reference} names. A sync skips those whose destination tag names
     * the same manifest: {@code asked} holds the destination tags' digests already asked, by tag.
     */
    private static void planReference(
        CopyRequest request, ImageReference reference, ImageSource source, ImageDestination destination,
        Map<String, Optional<Digest>> asked, Found found) throws IOException {
      CopyPlanner.Plans planned = new CopyPlanner(source).plan(request, reference);
      for (ImageFailure f : planned.failures()) {
        found.settled.add(CopyOutcome.failed(f.image(), f.message()));
      }
      for (CopyPlan plan : planned.plans()) {
        ReferrerPlans.subjects(request, plan).forEach(found.subjects::add);
        if (request.onlyChanged() && upToDate(plan, destination, asked)) {
          found.settled.add(CopyOutcome.skipped(plan, "up to date: " + plan.target() + " is " + plan.root().digest()));
        } else {
          found.toCopy.add(plan);
        }
      }
    }

    /**
     * True when the destination already has {@code plan}: its tag names the plan's root (the
     * tag's digest in {@code asked} when asked already), or for a copy by digest, it has the root.
     */
    private static boolean upToDate(CopyPlan plan, ImageDestination destination, Map<String, Optional<Digest>> asked)
        throws IOException {
      if (plan.tag().isEmpty()) {
        return destination.hasManifest(plan.root());
      }
      Optional<Digest> there = asked.containsKey(plan.destinationTag()) ? asked.get(plan.destinationTag())
          : destination.tagDigest(plan.destinationTag());
      return there.equals(Optional.of(plan.root().digest()));
    }
  }
}
