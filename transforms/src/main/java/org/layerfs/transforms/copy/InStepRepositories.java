package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryLocation;

/**
 * The destination repositories at registries where planning found an image in step (a sync's
 * unchanged tag): each holds that image's blobs from an earlier run. A blob that none of its
 * route's repositories has may be in one of them (a repository added to a mirror, a new tag on a
 * base an unchanged repository has), and is then mounted from there instead of crossing again.
 *
 * <p>Only where a look pays: a blob of at least {@link #WORTH_ASKING} whose bytes are not already
 * in hand, and at most {@link #ASKED} repositories asked, by one {@code HEAD} each. A pull and
 * push is at least three requests (a {@code GET} at the source, a {@code POST} and a {@code PUT}
 * at the destination) where a mount is one {@code POST}, so two {@code HEAD}s never cost more
 * requests than a hit saves; a miss costs those two round trips, less than a mebibyte takes over
 * the link they would save it from (about 80 ms at 100 Mbit/s, four round trips of 20 ms).
 * Repositories with nothing in step are not asked: a new one holds nothing, and one whose tags
 * moved is asked anyway when its new images need the blob (it is then one of the route's own).
 */
public final class InStepRepositories implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The smallest blob looked for elsewhere: below it a miss costs about what the copy does. */
  static final long WORTH_ASKING = 1L << 20;
  /** Repositories asked per blob at most. */
  static final int ASKED = 2;

  /** Every such repository, as a store, in name order so that every run asks the same ones. */
  private final ImmutableList<ImageReference> repositories;

  private InStepRepositories(ImmutableList<ImageReference> repositories) {
    this.repositories = repositories;
  }

  public static InStepRepositories none() {
    return of(ImmutableList.of());
  }

  /** The registry repositories where {@code settled} holds an image found in step. */
  public static InStepRepositories of(Collection<CopyOutcome> settled) {
    return new InStepRepositories(settled.stream().flatMap(o -> o.inStepAt().stream())
        .filter(r -> r.transport() == ImageReference.Transport.DOCKER).distinct()
        .sorted((a, b) -> a.toString().compareTo(b.toString())).collect(ImmutableList.toImmutableList()));
  }

  /**
   * The repositories to ask for {@code copy}'s blob, which none of its route's repositories
   * {@code route} has: of its destination's registry, not among them, at most {@link #ASKED}. None
   * when the look does not pay: a small blob, one whose bytes planning read, or one its source
   * can mount itself (the source is at that registry).
   */
  ImmutableList<ImageReference> toAsk(BlobCopy copy, Set<ImageReference> route) {
    if (copy.blob().size() < WORTH_ASKING || copy.content().isPresent() || registry(copy.source()).equals(registry(copy.destination()))) {
      return ImmutableList.of();
    }
    Optional<String> registry = registry(copy.destination());
    return repositories.stream().filter(r -> registry(r).equals(registry) && !route.contains(r)).limit(ASKED)
        .collect(ImmutableList.toImmutableList());
  }

  private static Optional<String> registry(ImageReference reference) {
    return reference.transport() == ImageReference.Transport.DOCKER
        ? Optional.of(RegistryLocation.of(reference).registry()) : Optional.empty();
  }
}
