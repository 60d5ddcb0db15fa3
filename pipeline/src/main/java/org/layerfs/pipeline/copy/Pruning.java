package org.layerfs.pipeline.copy;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.PrunedReferrers;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistrySource;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.copy.CopyPlans;
import org.layerfs.transforms.copy.CopyRequest;
import org.layerfs.transforms.copy.OpenStores;

/**
 * {@code sync --prune}: finds the destination tags a request covers that its source no longer
 * has, and removes them with what travels with their images (their referrers, while referrers
 * travel). A request covers the destination tags it would write: those starting with its name
 * prefix whose source tag its {@code --tags} pattern selects. Nothing is pruned for a source that
 * could not be read whole: an unreachable source must not empty the mirror.
 */
final class Pruning {
  private Pruning() {}

  /** What pruning removed (or would): tags, referrers that went with their images, and tags kept with the reason. */
  record Outcome(List<ImageReference> pruned, List<ImageReference> referrers, Map<ImageReference, String> kept, boolean failed) {
    static Outcome none() {
      return new Outcome(List.of(), List.of(), Map.of(), false);
    }
  }

  /** The destination tags to remove, and every destination tag the source still has (which stay). */
  private record Candidates(ImmutableList<String> prune, Set<String> wanted) {}

  /**
   * Prunes the destination of every request, through the stores planning used; with {@code
   * dryRun}, removes nothing and tells the same. A request that cannot be pruned is said on {@code err}.
   */
  static Outcome run(List<CopyRequest> requests, CopyPlans planned, OpenStores stores, boolean dryRun, PrintStream err) {
    List<ImageReference> pruned = new ArrayList<>();
    List<ImageReference> referrers = new ArrayList<>();
    Map<ImageReference, String> kept = new LinkedHashMap<>();
    boolean failed = false;
    for (CopyRequest request : requests) {
      try {
        Candidates candidates = candidates(request, planned, stores);
        if (candidates.prune().isEmpty()) {
          continue;
        }
        TagRemoval removal = remove(request, candidates, stores, dryRun);
        ImageReference store = request.destination().store();
        removal.removed().forEach(tag -> pruned.add(store.withTag(tag)));
        removal.referrers().forEach(r -> referrers.add(r.startsWith("@") ? store.withDigest(Digest.parse(r.substring(1))) : store.withTag(r)));
        removal.kept().forEach((tag, why) -> kept.put(store.withTag(tag), why));
      } catch (IOException e) {
        err.println((dryRun ? "failed: " : "layerfs: ") + e.getMessage());
        failed = true;
      }
    }
    return new Outcome(pruned, referrers, kept, failed);
  }

  /**
   * The destination tags to remove for {@code request}; none when it names one image. A
   * registry source's tag list is the one planning fetched.
   */
  private static Candidates candidates(CopyRequest request, CopyPlans planned, OpenStores stores) throws IOException {
    if (request.destination().tag().isPresent() || request.source().tag().isPresent() || request.source().digest().isPresent()) {
      return new Candidates(ImmutableList.of(), Set.of());
    }
    Set<String> wanted = new HashSet<>();
    ImageSource source = stores.source(request.source(), request.sourceRegistry());
    if (source instanceof RegistrySource registry && request.platform().isEmpty()) {
      // A registry's tag list says what it has: no tag need be read (a tag that fails to read is kept).
      ImmutableList<String> tags = planned.listedTags().get(request.source().store());
      (tags != null ? tags : registry.tags()).forEach(t -> wanted.add(request.destinationName(t)));
    } else {
      Resolution resolution = source.resolve(request.source(), request.platform());
      if (!resolution.failures().isEmpty()) {
        throw new IOException("not pruning " + request.destination() + ": " + request.source() + " could not be read whole: "
            + resolution.failures().get(0).message());
      }
      for (ResolvedImage image : resolution.images()) {
        image.reference().tag().ifPresent(t -> wanted.add(request.destinationName(t)));
      }
    }
    ImmutableList.Builder<String> prune = ImmutableList.builder();
    for (String tag : stores.destination(request.destination(), request.destinationRegistry()).tags()) {
      if (tag.startsWith(request.namePrefix())
          && request.selects(tag.substring(request.namePrefix().length()))
          && !wanted.contains(tag)) {
        prune.add(tag);
      }
    }
    return new Candidates(prune.build(), wanted);
  }

  /**
   * Removes the candidates from the request's destination, with their images' referrers while
   * referrers travel, then what no tag reaches any more where the destination keeps its own
   * blobs. Tags the destination had to keep (their manifest is another tag's too) are in the
   * result with the reason.
   */
  private static TagRemoval remove(CopyRequest request, Candidates candidates, OpenStores stores, boolean dryRun)
      throws IOException {
    ImageDestination destination = stores.destination(request.destination(), request.destinationRegistry());
    PrunedReferrers.Scope scope = new PrunedReferrers.Scope(candidates.wanted(), request.namePrefix());
    if (dryRun) {
      return request.referrers()
          ? destination.planImageRemoval(candidates.prune(), scope)
          : destination.planTagRemoval(candidates.prune());
    }
    TagRemoval removal = request.referrers()
        ? destination.removeImages(candidates.prune(), scope)
        : destination.removeTags(candidates.prune());
    destination.collectGarbage();
    return removal;
  }
}
