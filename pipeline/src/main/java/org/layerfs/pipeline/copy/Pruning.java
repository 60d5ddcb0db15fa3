package org.layerfs.pipeline.copy;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.ImageDestinations;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistrySource;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.copy.CopyRequest;

/**
 * {@code sync --prune}: finds the destination tags a request covers that its source no longer
 * has. A request covers the destination tags it would write: those starting with its name
 * prefix whose source tag its {@code --tags} pattern selects. Nothing is pruned for a source that
 * could not be read whole: an unreachable source must not empty the mirror.
 */
final class Pruning {
  private Pruning() {}

  /**
   * The destination tags to remove for {@code request}; none when it names one image. {@code
   * listed} holds the source tag lists planning fetched, by repository.
   */
  static ImmutableList<String> candidates(CopyRequest request, Map<ImageReference, ImmutableList<String>> listed)
      throws IOException {
    if (request.destination().tag().isPresent() || request.source().tag().isPresent() || request.source().digest().isPresent()) {
      return ImmutableList.of();
    }
    Set<String> wanted = new HashSet<>();
    try (ImageSource source = ImageSources.open(request.source().store(), request.sourceRegistry())) {
      if (source instanceof RegistrySource registry && request.platform().isEmpty()) {
        // A registry's tag list says what it has: no tag need be read (a tag that fails to read is kept).
        ImmutableList<String> tags = listed.get(request.source().store());
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
    }
    ImmutableList.Builder<String> prune = ImmutableList.builder();
    try (ImageDestination destination = ImageDestinations.open(request.destination(), request.destinationRegistry())) {
      for (String tag : destination.tags()) {
        if (tag.startsWith(request.namePrefix())
            && request.selects(tag.substring(request.namePrefix().length()))
            && !wanted.contains(tag)) {
          prune.add(tag);
        }
      }
    }
    return prune.build();
  }

  /** What {@link #prune} would remove and keep, changing nothing ({@code --dry-run}). */
  static TagRemoval planned(CopyRequest request, ImmutableList<String> tags) throws IOException {
    if (tags.isEmpty()) {
      return TagRemoval.all(tags);
    }
    try (ImageDestination destination = ImageDestinations.open(request.destination(), request.destinationRegistry())) {
      return destination.planTagRemoval(tags);
    }
  }

  /**
   * Removes {@code tags} from the request's destination, then what no tag reaches any more,
   * where the destination keeps its own blobs. Tags the destination had to keep (their manifest
   * is another tag's too) are in the result with the reason.
   */
  static TagRemoval prune(CopyRequest request, ImmutableList<String> tags) throws IOException {
    if (tags.isEmpty()) {
      return TagRemoval.all(tags);
    }
    try (ImageDestination destination = ImageDestinations.open(request.destination(), request.destinationRegistry())) {
      TagRemoval removal = destination.removeTags(tags);
      destination.collectGarbage();
      return removal;
    }
  }
}
