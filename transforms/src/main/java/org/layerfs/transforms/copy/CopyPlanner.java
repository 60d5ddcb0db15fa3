package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.Manifest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;

/**
 * Turns a {@link CopyRequest} into one {@link CopyPlan} per source image. An index is planned
 * whole (every child, attestations included, so that the copied index is complete) unless the
 * request selects a platform; then each selected platform image is planned on its own.
 */
public final class CopyPlanner {
  private static final int MAX_DEPTH = 4;

  /** The plans made, and the images or references that could not be planned. */
  public record Plans(ImmutableList<CopyPlan> plans, ImmutableList<ImageFailure> failures) {}

  private final ImageSource source;

  public CopyPlanner(ImageSource source) {
    this.source = source;
  }

  /** Plans every image the request selects; a failure of the whole reference is thrown. */
  public Plans plan(CopyRequest request) throws IOException {
    return plan(request, request.source());
  }

  /** Plans the images {@code reference}, one of the request's source references, names. */
  public Plans plan(CopyRequest request, ImageReference reference) throws IOException {
    Resolution resolution = request.sparse()
        ? SparseIndex.resolve(source, reference, request.platforms())
        : source.resolve(reference, request.platform());
    List<CopyPlan> plans = new ArrayList<>();
    List<ImageFailure> failures = new ArrayList<>(resolution.failures());
    Map<String, Root> roots = roots(request, reference, resolution, failures);
    if (request.destination().tag().isPresent() && roots.size() > 1) {
      throw new IOException(
          reference + " names " + roots.size() + " images; a destination tag ("
              + request.destination() + ") can name only one");
    }
    long now = System.currentTimeMillis();
    // The configs resolving read: the source has them in hand, the plan carries them on.
    Set<Digest> read = new HashSet<>();
    resolution.images().forEach(i -> read.add(i.manifest().config().digest()));
    for (Map.Entry<String, Root> e : roots.entrySet()) {
      Root root = e.getValue();
      try {
        Collector c = new Collector(root.image.toString(), read);
        if (request.sparse() && MediaTypes.isIndex(root.descriptor.mediaType())) {
          c.addSparse(root.descriptor, selected(resolution, root.descriptor), request.platforms());
        } else {
          c.add(root.descriptor, 0);
        }
        plans.add(c.plan(request, root.image, root.tag, request.destinationName(root.tag), now));
      } catch (IOException ex) {
        failures.add(ImageFailure.of(root.image.toString(), ex.getMessage()));
      }
    }
    return new Plans(ImmutableList.copyOf(plans), ImmutableList.copyOf(failures));
  }

  /** The images of {@code root} the resolution selected. */
  private static Set<Digest> selected(Resolution resolution, Descriptor root) {
    Set<Digest> images = new LinkedHashSet<>();
    resolution.images().stream().filter(i -> i.root().digest().equals(root.digest())).forEach(i -> images.add(i.manifestDigest()));
    return images;
  }

  /**
   * The plan that copies the manifest or index {@code root}, found as {@code image} (under {@code
   * sourceTag}, or none), to the request's destination under {@code destinationTag} (none: by digest).
   */
  public CopyPlan planRoot(
      CopyRequest request, ImageReference image, String sourceTag, Descriptor root, String destinationTag, long now)
      throws IOException {
    Collector c = new Collector(image.toString(), Set.of());
    c.add(root, 0);
    return c.plan(request, image, sourceTag, destinationTag, now);
  }

  /** A root to copy: the reference it is found under, its source tag and its descriptor. */
  private record Root(ImageReference image, String tag, Descriptor descriptor) {}

  /**
   * The roots of the resolved images, keyed by source tag (or digest): the index or manifest a tag
   * names, or with a platform, each selected image's own manifest.
   */
  private static Map<String, Root> roots(
      CopyRequest request, ImageReference reference, Resolution resolution, List<ImageFailure> failures) throws IOException {
    // A digest named for a registry, as a mirror config may: copied by digest when no tag is given.
    boolean byDigest = reference.digest().isPresent() && request.destination().transport() == ImageReference.Transport.DOCKER;
    Map<String, Root> roots = new LinkedHashMap<>();
    for (ResolvedImage image : resolution.images()) {
      // A reference by digest has no tag; it can still be copied to a destination that names one.
      String tag = image.reference().tag().orElse("");
      if (tag.isEmpty() && request.destination().tag().isEmpty() && !byDigest) {
        failures.add(ImageFailure.of(image.reference().toString(), "untagged: give the destination a tag"));
        continue;
      }
      if (!tag.isEmpty() && !request.selects(tag)) {
        continue;
      }
      Descriptor root = request.platform().isPresent() ? image.manifestDescriptor() : image.root();
      String key = tag.isEmpty() ? root.digest().toString() : tag;
      Root previous = roots.putIfAbsent(key, new Root(image.reference(), tag, root));
      if (previous != null && !previous.descriptor.digest().equals(root.digest())) {
        throw new IOException(image.reference() + ": more than one image selected for one tag; choose one with --platform");
      }
    }
    return roots;
  }

  /** Walks a root depth first, children first, collecting manifests in commit order and blobs once each. */
  private final class Collector {
    private final String image;
    private final Set<Digest> seenManifests = new LinkedHashSet<>();
    private final List<ManifestBlob> manifests = new ArrayList<>();
    private final Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    private final Set<Digest> read;
    private final Map<Digest, ManifestBlob> configs = new LinkedHashMap<>();

    Collector(String image, Set<Digest> read) {
      this.image = image;
      this.read = read;
    }

    /** Adds the sparse index of {@code index} with the entries {@code keep} names, and what they reference. */
    void addSparse(Descriptor index, Set<Digest> keep, List<Platform> platforms) throws IOException {
      String what = "index " + index.digest() + " of " + image;
      ManifestBlob sparse = SparseIndex.of(index, source.readBlob(index), keep, platforms, what);
      for (Descriptor child : ImageJson.parseManifestOrIndex(sparse.bytes(), sparse.descriptor().mediaType(), what).index().get().manifests()) {
        add(child, 1);
      }
      seenManifests.add(sparse.descriptor().digest());
      manifests.add(sparse);
    }

    void add(Descriptor desc, int depth) throws IOException {
      if (depth > MAX_DEPTH) {
        throw new IOException("manifest " + desc.digest() + " of " + image + ": indexes nested deeper than " + MAX_DEPTH);
      }
      if (!seenManifests.add(desc.digest())) {
        return;
      }
      String what = "manifest " + desc.digest() + " of " + image;
      byte[] bytes = source.readBlob(desc);
      ImageJson.Document doc = ImageJson.parseManifestOrIndex(bytes, desc.mediaType(), what);
      if (doc.index().isPresent()) {
        for (Descriptor child : doc.index().get().manifests()) {
          add(child, depth + 1);
        }
      } else {
        Manifest m = doc.manifest().get();
        blobs.putIfAbsent(m.config().digest(), m.config());
        if (read.contains(m.config().digest()) && !configs.containsKey(m.config().digest())) {
          configs.put(m.config().digest(), ManifestBlob.of(m.config(), source.readBlob(m.config())));
        }
        for (Descriptor layer : m.layers()) {
          if (!layer.isNonDistributable()) {
            blobs.putIfAbsent(layer.digest(), layer);
          }
        }
      }
      manifests.add(ManifestBlob.of(desc, bytes));
    }

    /** The plan of what was collected. */
    CopyPlan plan(CopyRequest request, ImageReference image, String sourceTag, String destinationTag, long now) {
      return CopyPlan.of(
          image, sourceTag, ImmutableList.copyOf(blobs.values()), ImmutableList.copyOf(manifests),
          ImmutableList.copyOf(configs.values()), request.destination().store(), destinationTag, request, now);
    }
  }
}
