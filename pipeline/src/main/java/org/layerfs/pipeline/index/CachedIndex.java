package org.layerfs.pipeline.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.pipeline.run.JobMetrics;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.transforms.catalog.WriteJsonLines;
import org.layerfs.transforms.catalog.WriteLayerCatalog;
import org.layerfs.transforms.image.ImageMerge;
import org.layerfs.transforms.image.ImageOutcome;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerMetrics;
import org.layerfs.transforms.layer.LayerOutcome;
import org.layerfs.transforms.layer.LayerRef;

/**
 * A warm index without a pipeline: when every reference resolves and the cache holds every layer,
 * there is nothing to decompress, and the catalog is written from the cache here, the same bytes
 * the pipeline writes. Starting and running a Beam job cost more than the work then: with the
 * direct runner, a warm index of the benchmark corpus took 7.8 CPU s, of which copying and merging
 * cached catalogs is well under one (README, Benchmark). On the default runner the layers missing
 * from the cache are read into it first, beside the pipeline ({@link LayersBesidePipeline}), and a
 * cold catalog is then written here too. Anything else (a failure, a layer to read on another
 * runner, a foreign layer) goes to the pipeline, which reports it as it always has.
 */
final class CachedIndex {
  private CachedIndex() {}

  /**
   * What trying came to: the catalog written (with its figures), or, when the pipeline must run,
   * the images of the first {@code resolvedReferences} references, resolved already, for the
   * pipeline to take rather than fetch their documents again, and what was read beside it.
   */
  record Attempt(Optional<JobMetrics> written, int resolvedReferences, List<ResolvedImage> resolved, LayersBesidePipeline.Read beside) {
    private static Attempt leftToPipeline(int resolvedReferences, List<ResolvedImage> resolved, LayersBesidePipeline.Read beside) {
      return new Attempt(Optional.empty(), resolvedReferences, List.copyOf(resolved), beside);
    }
  }

  /**
   * Writes {@code job}'s catalog and image outcomes from the cache when it can; else writes nothing.
   * On the default runner ({@link IndexJob#besidePipeline()}) the layers missing from the cache are
   * read into it first ({@link LayersBesidePipeline}).
   */
  static Attempt write(IndexJob job, Path outcomes, Progress progress) throws IOException {
    List<ResolvedImage> images = new ArrayList<>();
    LayerCache cache = new LayerCache(job.cacheDir());
    Map<String, LayerOutcome> layers = new LinkedHashMap<>();
    Map<String, LayerRef> missing = new LinkedHashMap<>();
    long bytes = 0;
    int resolvedReferences = 0;
    // Each reference is resolved and its layers looked up before the next is resolved: a cold run
    // for a pipeline gives up at its first image, having asked a registry for one image's
    // documents, not all.
    for (ImageReference ref : job.references()) {
      List<ResolvedImage> resolved;
      try (ImageSource source = ImageSources.open(ref.store(), job.registry())) {
        var resolution = source.resolve(ref, job.platform());
        if (!resolution.failures().isEmpty()) {
          return Attempt.leftToPipeline(resolvedReferences, images, LayersBesidePipeline.Read.NOTHING);
        }
        resolved = resolution.images();
      } catch (IOException e) {
        return Attempt.leftToPipeline(resolvedReferences, images, LayersBesidePipeline.Read.NOTHING);
      }
      images.addAll(resolved);
      resolvedReferences++;
      for (ResolvedImage image : resolved) {
        for (LayerRef layerRef : LayerRef.of(image)) {
          Descriptor layer = layerRef.descriptor();
          String digest = layer.digest().toString();
          if (layers.containsKey(digest) || missing.containsKey(digest)) {
            continue;
          }
          bytes += layer.size();
          Optional<LayerOutcome> cached = cached(cache, layer);
          if (cached.isPresent()) {
            layers.put(digest, cached.get());
          } else if (job.besidePipeline()) {
            missing.put(digest, layerRef);
          } else {
            return Attempt.leftToPipeline(resolvedReferences, images, LayersBesidePipeline.Read.NOTHING);
          }
        }
      }
    }
    LayersBesidePipeline.Read beside = LayersBesidePipeline.Read.NOTHING;
    if (!missing.isEmpty()) {
      beside = LayersBesidePipeline.read(
          List.copyOf(missing.values()), layers.size() + missing.size(), bytes, cache, job.registry(), progress);
      if (beside.usable().size() < missing.size()) {
        return Attempt.leftToPipeline(resolvedReferences, images, beside);
      }
      layers.putAll(beside.usable());
    }
    List<String> layerRecords = new ArrayList<>();
    for (LayerOutcome layer : layers.values()) {
      WriteLayerCatalog.copyFiles(cache, job.outDir(), layer).ifPresent(layerRecords::add);
    }
    writeSorted(job.outDir().resolve("layers.jsonl"), layerRecords);
    Optional<Path> mergedDir = Optional.of(job.outDir().resolve("merged"));
    // Images merge in parallel, as the pipeline's workers would merge them.
    List<ImageOutcome> merged = images.parallelStream().map(i -> ImageMerge.of(i, layers, cache, mergedDir)).toList();
    writeSorted(job.outDir().resolve("images.jsonl"),
        merged.stream().filter(o -> !o.isFailed()).map(o -> o.toCatalogJson().toString()).toList());
    WriteJsonLines.write(outcomes, merged.stream().map(o -> o.toReportJson().toString()).toList());
    return new Attempt(Optional.of(JobMetrics.of(Map.of(
        LayerMetrics.LAYERS_TOTAL, (long) layers.size(),
        LayerMetrics.LAYERS_INDEXED, (long) beside.decompressed().size(),
        LayerMetrics.LAYERS_CACHED, (long) (layers.size() - beside.decompressed().size()),
        LayerMetrics.CACHE_REBUILT, (long) beside.damagedEntries().size(),
        LayerMetrics.BYTES_TOTAL, bytes,
        LayerMetrics.BYTES_DONE, bytes,
        LayerMetrics.IMAGES_DONE, merged.stream().filter(o -> !o.isFailed()).count(),
        LayerMetrics.IMAGES_FAILED, merged.stream().filter(ImageOutcome::isFailed).count()))),
        resolvedReferences, List.copyOf(images), beside);
  }

  /** The layer's outcome when its cached index is whole and agrees with the media type, as the pipeline checks it. */
  private static Optional<LayerOutcome> cached(LayerCache cache, Descriptor layer) {
    return cache.usable(layer).map(summary -> LayerOutcome.indexed(summary, true));
  }

  private static void writeSorted(Path file, List<String> lines) throws IOException {
    List<String> sorted = new ArrayList<>(lines);
    sorted.sort(null);
    WriteJsonLines.write(file, sorted);
  }
}
