package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.FallbackIndex;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;

/**
 * What copying one source image (a tagged manifest, or an index with every image in it) to one
 * destination takes: the blobs, then the manifests in commit order, the root last.
 */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class CopyPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The source image as the user would recognise it. */
  public abstract ImageReference image();

  /** The tag the image has at its source, removed from there by {@code move}. */
  public abstract String sourceTag();

  /** Configs and layers (non-distributable layers excluded), each once. */
  public abstract ImmutableList<Descriptor> blobs();

  /** Manifests and indexes, children before the indexes that list them; the root is last. */
  public abstract ImmutableList<ManifestBlob> manifests();

  /**
   * The configs planning read, with their bytes: copying pushes these rather than fetching them
   * from the source again.
   */
  public abstract ImmutableList<ManifestBlob> configs();

  /** The destination store. */
  public abstract ImageReference destination();

  /** The tag to give the copy; empty for a copy by digest. */
  public abstract String destinationTag();

  public abstract RegistryConfig sourceRegistry();

  public abstract RegistryConfig destinationRegistry();

  /** When the plan was made (epoch milliseconds), for the seconds a report gives. */
  public abstract long plannedAtMillis();

  /** For a referrer (copied by digest), the manifest it refers to; its root is committed as a referrer of it. */
  public abstract Optional<Descriptor> referrerOf();

  public static CopyPlan of(
      ImageReference image,
      String sourceTag,
      ImmutableList<Descriptor> blobs,
      ImmutableList<ManifestBlob> manifests,
      ImmutableList<ManifestBlob> configs,
      ImageReference destination,
      String destinationTag,
      CopyRequest request,
      long plannedAtMillis) {
    return new AutoValue_CopyPlan(
        image, sourceTag, blobs, manifests, configs, destination, destinationTag, request.sourceRegistry(),
        request.destinationRegistry(), plannedAtMillis, Optional.empty());
  }

  /** This plan as the copy of a referrer of {@code subject}. */
  public CopyPlan asReferrerOf(Descriptor subject) {
    return new AutoValue_CopyPlan(
        image(), sourceTag(), blobs(), manifests(), configs(), destination(), destinationTag(), sourceRegistry(),
        destinationRegistry(), plannedAtMillis(), Optional.of(subject));
  }

  public ImageReference source() {
    return image().store();
  }

  public Descriptor root() {
    return manifests().get(manifests().size() - 1).descriptor();
  }

  /** The tag the root is committed under; none for a copy by digest. */
  public Optional<String> tag() {
    return destinationTag().isEmpty() ? Optional.empty() : Optional.of(destinationTag());
  }

  /** The destination with its tag (or digest), as messages and reports name it. */
  public ImageReference target() {
    return tag().map(t -> destination().withTag(t)).orElseGet(() -> destination().withDigest(root().digest()));
  }

  /** True for what travels with an image: a referrer, or a legacy cosign tag ({@code sha256-<hex>.sig}). */
  public boolean isReferrer() {
    return referrerOf().isPresent() || FallbackIndex.isLegacyTag(sourceTag());
  }

  public long blobBytes() {
    return blobs().stream().mapToLong(Descriptor::size).sum();
  }
}
