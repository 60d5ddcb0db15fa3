package org.layerfs.pipeline.unpack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.pipeline.index.LayersBesidePipeline;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.JobMetrics;
import org.layerfs.pipeline.run.JobRunner;
import org.layerfs.pipeline.run.MergeImages;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.transforms.image.ImageOutcome;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerMetrics;
import org.layerfs.transforms.layer.LayerRef;

/**
 * The part of an unpack that is a pipeline: indexing the image's layers into the cache, which the
 * plan is made from. It runs only when a layer is not in the cache whole (or is foreign): with
 * every layer cached there is nothing to read for it, and starting a Beam job would cost more
 * than the work. With no Beam option the missing layers are read beside it first, as a cold
 * index reads them ({@link LayersBesidePipeline}): of a cold unpack of one layer of 60 000 files,
 * the direct runner's monitor, start and JIT were about 11 of 27 CPU s (README, "A cold unpack
 * beside the pipeline"). A layer that fails there, or is foreign, still goes to the pipeline,
 * which reports it.
 */
final class IndexBeforeUnpack {
  private IndexBeforeUnpack() {}

  /**
   * Indexes {@code image}'s layers when needed, beside the pipeline when {@code besidePipeline};
   * returns why the image cannot be unpacked, if it cannot.
   */
  static Optional<String> run(ResolvedImage image, RegistryConfig registry, Path cacheDir, Path workDir, Supplier<PipelineOptions> options,
      boolean besidePipeline, Progress progress, RunFigures figures) throws IOException {
    Map<String, LayerRef> layers = new LinkedHashMap<>();
    image.manifest().layers().forEach(d -> layers.putIfAbsent(d.digest().toString(), LayerRef.of(d, image.store(), image.name())));
    LayerCache cache = new LayerCache(cacheDir);
    List<LayerRef> missing = layers.values().stream().filter(l -> cache.usable(l.descriptor()).isEmpty()).toList();
    long bytes = layers.values().stream().mapToLong(l -> l.descriptor().size()).sum();
    LayersBesidePipeline.Read beside = LayersBesidePipeline.Read.NOTHING;
    if (besidePipeline && !missing.isEmpty()) {
      beside = LayersBesidePipeline.read(missing, layers.size(), bytes, cache, registry, progress);
    }
    if (beside.usable().size() == missing.size()) {
      long decompressed = beside.decompressed().size();
      if (!missing.isEmpty()) {
        progress.finish(JobMetrics.of(Map.of(LayerMetrics.LAYERS_TOTAL, (long) layers.size(), LayerMetrics.LAYERS_INDEXED, decompressed,
            LayerMetrics.LAYERS_CACHED, layers.size() - decompressed, LayerMetrics.BYTES_TOTAL, bytes, LayerMetrics.BYTES_DONE, bytes)));
      }
      figures.layers("decompressed", decompressed).layers("from_cache", layers.size() - decompressed).layers("failed", 0)
          .bytes("read", bytes);
      return Optional.empty();
    }
    Path failure = workDir.resolve("index-failure.txt");
    Pipeline p = Pipeline.create(options.get());
    p.apply("IndexAndMerge", MergeImages.of(List.of(image), registry, cacheDir.toString())
            .readBefore(beside.decompressed(), beside.damagedEntries()))
        .apply("RecordFailure", ParDo.of(new RecordFailure(failure.toString())));
    JobMetrics metrics = JobRunner.run(p, progress);
    figures.layers("decompressed", metrics.counter(LayerMetrics.LAYERS_INDEXED))
        .layers("from_cache", metrics.counter(LayerMetrics.LAYERS_CACHED))
        .layers("failed", metrics.counter(LayerMetrics.LAYERS_FAILED))
        .bytes("read", metrics.counter(LayerMetrics.BYTES_DONE));
    try {
      return Optional.of(Files.readString(failure, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Writes the image's error, if its indexing failed, to a file the job reads after the pipeline. */
  private static final class RecordFailure extends DoFn<ImageOutcome, Void> {
    private static final long serialVersionUID = 1L;
    private final String file;

    RecordFailure(String file) {
      this.file = file;
    }

    @ProcessElement
    public void process(@Element ImageOutcome image) throws IOException {
      if (image.isFailed()) {
        Files.writeString(Path.of(file), image.error().get(), StandardCharsets.UTF_8);
      }
    }
  }
}
