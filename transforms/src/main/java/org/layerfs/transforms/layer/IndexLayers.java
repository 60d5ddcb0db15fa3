package org.layerfs.transforms.layer;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableSet;
import java.util.Set;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.registry.RegistryConfig;

/**
 * Indexes layers: each distinct digest is read once (or found in the cache), verified,
 * decompressed and scanned, its catalog kept in the cache, and its outcome emitted.
 */
@AutoValue
public abstract class IndexLayers extends PTransform<PCollection<LayerRef>, PCollection<LayerOutcome>> {
  private static final long serialVersionUID = 1L;

  abstract String cacheDir();

  abstract RegistryConfig registry();

  abstract ImmutableSet<String> decompressedBefore();

  abstract ImmutableSet<String> damagedBefore();

  /**
   * Indexes layers, keeping their catalogs under {@code cacheDir} (storage every worker sees) and
   * reaching registries with {@link RegistryConfig#defaults()}.
   */
  public static IndexLayers withCache(String cacheDir) {
    return new AutoValue_IndexLayers(cacheDir, RegistryConfig.defaults(), ImmutableSet.of(), ImmutableSet.of());
  }

  /** Reaches registries with {@code registry} (TLS, credentials). */
  public IndexLayers withRegistry(RegistryConfig registry) {
    return new AutoValue_IndexLayers(cacheDir(), registry, decompressedBefore(), damagedBefore());
  }

  /**
   * Counts the layers (digests) this run decompressed, and those whose damaged cache entries it
   * found, before the pipeline (beside it) as this step would have counted them: found in the
   * cache now, they are reported decompressed, not cached, and their entries rebuilt.
   */
  public IndexLayers readBefore(Set<String> decompressed, Set<String> damagedEntries) {
    return new AutoValue_IndexLayers(cacheDir(), registry(), ImmutableSet.copyOf(decompressed), ImmutableSet.copyOf(damagedEntries));
  }

  @Override
  public PCollection<LayerOutcome> expand(PCollection<LayerRef> layers) {
    return layers
        // Grouping by digest dedupes shared layers and, being a shuffle, breaks fusion: the
        // layers of one image come from one element and would otherwise share one thread.
        .apply("KeyByDigest", WithKeys.of((LayerRef l) -> l.descriptor().digest().toString())
            .withKeyType(TypeDescriptors.strings()))
        .apply("GroupByDigest", GroupByKey.create())
        .apply("ReadVerifyIndex", ParDo.of(new IndexLayerFn(cacheDir(), registry(), decompressedBefore(), damagedBefore())));
  }
}
