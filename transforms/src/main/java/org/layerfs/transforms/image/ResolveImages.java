package org.layerfs.transforms.image;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.Optional;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.layer.LayerMetrics;

/**
 * Resolves image references to platform images: {@link #IMAGES} holds the images found,
 * {@link #FAILURES} the references and images that could not be resolved, and why. Images the
 * launcher has already resolved ({@link #withResolved}) join {@link #IMAGES} as they are, so a
 * registry is not asked for their documents twice.
 */
@AutoValue
public abstract class ResolveImages extends PTransform<PBegin, PCollectionTuple> {
  private static final long serialVersionUID = 1L;

  public static final TupleTag<ResolvedImage> IMAGES = new TupleTag<>() {};
  public static final TupleTag<ImageOutcome> FAILURES = new TupleTag<>() {};

  abstract ImmutableList<ImageReference> references();

  abstract Optional<Platform> platform();

  abstract RegistryConfig registry();

  abstract ImmutableList<ResolvedImage> resolved();

  /** Resolves {@code references}, reaching registries with {@link RegistryConfig#defaults()}. */
  public static ResolveImages of(Iterable<ImageReference> references) {
    return new AutoValue_ResolveImages(
        ImmutableList.copyOf(references), Optional.empty(), RegistryConfig.defaults(), ImmutableList.of());
  }

  /** Selects one platform of every index. */
  public ResolveImages withPlatform(Optional<Platform> platform) {
    return new AutoValue_ResolveImages(references(), platform, registry(), resolved());
  }

  /** Reaches registries with {@code registry} (TLS, credentials). */
  public ResolveImages withRegistry(RegistryConfig registry) {
    return new AutoValue_ResolveImages(references(), platform(), registry, resolved());
  }

  /** Adds {@code images}, resolved already (from references not among {@link #of}'s), to {@link #IMAGES}. */
  public ResolveImages withResolved(Iterable<ResolvedImage> images) {
    return new AutoValue_ResolveImages(references(), platform(), registry(), ImmutableList.copyOf(images));
  }

  @Override
  public PCollectionTuple expand(PBegin begin) {
    PCollectionTuple resolving = begin
        .apply("References", Create.of(references()).withType(TypeDescriptor.of(ImageReference.class)))
        .apply("Resolve", ParDo.of(new ResolveFn(platform(), registry()))
            .withOutputTags(IMAGES, TupleTagList.of(FAILURES)));
    if (resolved().isEmpty()) {
      return resolving;
    }
    PCollection<ResolvedImage> fetched = resolving.get(IMAGES);
    PCollection<ResolvedImage> given =
        begin.apply("ResolvedAlready", Create.of(resolved()).withCoder(fetched.getCoder()));
    PCollection<ResolvedImage> images =
        PCollectionList.of(given).and(fetched).apply("AllImages", Flatten.pCollections());
    return PCollectionTuple.of(IMAGES, images).and(FAILURES, resolving.get(FAILURES));
  }

  private static final class ResolveFn extends DoFn<ImageReference, ResolvedImage> {
    private static final long serialVersionUID = 1L;
    /** Optional is not serializable: a DoFn keeps the platform or null. */
    private final Platform platform;
    private final RegistryConfig registry;
    private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.IMAGES_FAILED);

    ResolveFn(Optional<Platform> platform, RegistryConfig registry) {
      this.platform = platform.orElse(null);
      this.registry = registry;
    }

    @ProcessElement
    public void process(@Element ImageReference ref, MultiOutputReceiver out) {
      try (ImageSource source = ImageSources.open(ref.store(), registry)) {
        var resolution = source.resolve(ref, Optional.ofNullable(platform));
        resolution.images().forEach(out.get(IMAGES)::output);
        for (ImageFailure f : resolution.failures()) {
          failed.inc();
          out.get(FAILURES).output(ImageOutcome.failed(f.image(), f.message()));
        }
      } catch (IOException e) {
        failed.inc();
        out.get(FAILURES).output(ImageOutcome.failed(ref.toString(), e.getMessage()));
      }
    }
  }
}
