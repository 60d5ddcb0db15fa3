package org.layerfs.pipeline.run;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.model.Digest;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.image.ImageOutcome;
import org.layerfs.transforms.image.MergeLayers;
import org.layerfs.transforms.layer.IndexLayers;
import org.layerfs.transforms.layer.LayerOutcome;
import org.layerfs.transforms.layer.LayerRef;
import org.layerfs.transforms.tar.FileEntry;

/**
 * The index machinery for jobs that work on merged views (unpack, diff): indexes the layers of
 * already resolved images through the cache (a cached layer is not read again) and, when asked,
 * writes each image's merged view to {@code mergedDir/<alg>/<hex>.jsonl}, named by its manifest digest.
 */
public final class MergeImages extends PTransform<PBegin, PCollection<ImageOutcome>> {
  private static final long serialVersionUID = 1L;
  private final ImmutableList<ResolvedImage> images;
  private final RegistryConfig registry;
  private final String cacheDir;
  /** Null when the views are not written (unpack plans from the layers' catalogs, not from the view). */
  private final String mergedDir;
  /** The layers read beside the pipeline before it, counted as read ({@link IndexLayers#readBefore}). */
  private final ImmutableSet<String> decompressedBefore;
  private final ImmutableSet<String> damagedBefore;

  private MergeImages(List<ResolvedImage> images, RegistryConfig registry, String cacheDir, String mergedDir,
      Set<String> decompressedBefore, Set<String> damagedBefore) {
    this.images = ImmutableList.copyOf(images);
    this.registry = registry;
    this.cacheDir = cacheDir;
    this.mergedDir = mergedDir;
    this.decompressedBefore = ImmutableSet.copyOf(decompressedBefore);
    this.damagedBefore = ImmutableSet.copyOf(damagedBefore);
  }

  /** The merged view {@link MergeImages} wrote for the image with manifest {@code manifest}, sorted by path. */
  public static List<FileEntry> readView(String mergedDir, Digest manifest) throws IOException {
    Path file = Path.of(mergedDir, manifest.algorithm(), manifest.hex() + ".jsonl");
    List<FileEntry> view = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        view.add(FileEntryJson.read(line));
      }
    }
    return view;
  }

  /** Merges {@code images}, reading their layers from registries with {@code registry}; writes no view. */
  public static MergeImages of(List<ResolvedImage> images, RegistryConfig registry, String cacheDir) {
    return new MergeImages(images, registry, cacheDir, null, Set.of(), Set.of());
  }

  /** Also writes each view under {@code mergedDir}, for {@link #readView}. */
  public MergeImages writingTo(String mergedDir) {
    return new MergeImages(images, registry, cacheDir, mergedDir, decompressedBefore, damagedBefore);
  }

  /** Counts the layers this run read beside the pipeline as {@link IndexLayers#readBefore} does. */
  public MergeImages readBefore(Set<String> decompressed, Set<String> damagedEntries) {
    return new MergeImages(images, registry, cacheDir, mergedDir, decompressed, damagedEntries);
  }

  @Override
  public PCollection<ImageOutcome> expand(PBegin begin) {
    PCollection<ResolvedImage> resolved =
        begin.apply("Images", Create.of(images).withCoder(SerializableCoder.of(ResolvedImage.class)));
    PCollectionView<Map<String, LayerOutcome>> byDigest =
        resolved
            .apply("LayersOfImages", FlatMapElements.into(TypeDescriptor.of(LayerRef.class)).via(LayerRef::of))
            .apply("IndexLayers", IndexLayers.withCache(cacheDir).withRegistry(registry).readBefore(decompressedBefore, damagedBefore))
            .apply("KeyByDigest", WithKeys.of((LayerOutcome l) -> l.digest().toString()).withKeyType(TypeDescriptors.strings()))
            .apply("LayerSummaries", View.asMap());
    MergeLayers merge = MergeLayers.of(cacheDir, byDigest);
    return resolved.apply("MergeLayers", mergedDir == null ? merge : merge.writingTo(mergedDir));
  }
}
