package org.layerfs.pipeline.index;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.pipeline.metrics.RunFigures;
import org.layerfs.pipeline.run.JobMetrics;
import org.layerfs.pipeline.run.JobRunner;
import org.layerfs.pipeline.run.Progress;
import org.layerfs.pipeline.run.RunReport;
import org.layerfs.transforms.catalog.WriteJsonLines;
import org.layerfs.transforms.catalog.WriteLayerCatalog;
import org.layerfs.transforms.image.ImageOutcome;
import org.layerfs.transforms.image.MergeLayers;
import org.layerfs.transforms.image.ResolveImages;
import org.layerfs.transforms.layer.IndexLayers;
import org.layerfs.transforms.layer.LayerOutcome;
import org.layerfs.transforms.layer.LayerRef;

/**
 * {@code layerfs index}: resolves the references, indexes every distinct layer once, merges each
 * image, and writes the catalog ({@code layers.jsonl}, {@code files/}, {@code images.jsonl},
 * {@code merged/}) into the output directory.
 */
@AutoValue
public abstract class IndexJob {
  public abstract ImmutableList<ImageReference> references();

  public abstract Path outDir();

  public abstract Path cacheDir();

  public abstract Optional<Platform> platform();

  public abstract Optional<Path> report();

  /** How registries are reached: TLS, credentials (the command line's registry options). */
  public abstract RegistryConfig registry();

  /** Made only when a pipeline runs: a warm index needs none ({@link CachedIndex}), nor a cold one beside it. */
  public abstract Supplier<PipelineOptions> pipelineOptions();

  /**
   * Whether no Beam option was given, so that the pipeline would run on the direct runner on this
   * machine: the layers missing from the cache are then read beside it ({@link LayersBesidePipeline}).
   */
  public abstract boolean besidePipeline();

  public static Builder builder() {
    return new AutoValue_IndexJob.Builder().setRegistry(RegistryConfig.defaults()).setBesidePipeline(false);
  }

  /** Configures an index job; references, output and cache directories are required. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setReferences(List<ImageReference> references);

    public abstract Builder setOutDir(Path outDir);

    public abstract Builder setCacheDir(Path cacheDir);

    public abstract Builder setPlatform(Optional<Platform> platform);

    public abstract Builder setReport(Optional<Path> report);

    public abstract Builder setRegistry(RegistryConfig registry);

    public abstract Builder setPipelineOptions(Supplier<PipelineOptions> options);

    public abstract Builder setBesidePipeline(boolean besidePipeline);

    public abstract IndexJob build();
  }

  /**
   * Builds the pipeline; image outcomes go, one JSON line each, to {@code outcomes}. The images of
   * the first references, which {@code tried} resolved, are taken as they are, and the layers it
   * read beside the pipeline are counted as read.
   */
  Pipeline pipeline(String outcomes, CachedIndex.Attempt tried) {
    String out = outDir().toString();
    String cache = cacheDir().toString();
    Pipeline p = Pipeline.create(pipelineOptions().get());

    List<ImageReference> left = references().subList(tried.resolvedReferences(), references().size());
    PCollectionTuple resolved = p.apply("ResolveImages",
        ResolveImages.of(left).withResolved(tried.resolved()).withPlatform(platform()).withRegistry(registry()));
    PCollection<ResolvedImage> images = resolved.get(ResolveImages.IMAGES);

    PCollection<LayerOutcome> layers =
        images
            .apply("LayersOfImages", FlatMapElements.into(TypeDescriptor.of(LayerRef.class)).via(LayerRef::of))
            .apply("IndexLayers", IndexLayers.withCache(cache).withRegistry(registry())
                .readBefore(tried.beside().decompressed(), tried.beside().damagedEntries()));
    layers.apply("WriteLayerCatalog", new WriteLayerCatalog(cache, out));

    PCollectionView<Map<String, LayerOutcome>> byDigest =
        layers
            .apply("KeyByDigest", WithKeys.of((LayerOutcome l) -> l.digest().toString()).withKeyType(TypeDescriptors.strings()))
            .apply("LayerSummaries", View.asMap());
    PCollection<ImageOutcome> merged =
        images.apply("MergeLayers", MergeLayers.of(cache, byDigest).writingTo(outDir().resolve("merged").toString()));

    merged
        .apply("Indexed", Filter.by((ImageOutcome o) -> !o.isFailed()))
        .apply("ImageRecords", MapElements.into(TypeDescriptors.strings()).via((ImageOutcome o) -> o.toCatalogJson().toString()))
        .apply("WriteImagesJsonl", WriteJsonLines.to(out + "/images.jsonl"));

    PCollectionList.of(merged)
        .and(resolved.get(ResolveImages.FAILURES))
        .apply("AllOutcomes", Flatten.pCollections())
        .apply("OutcomeRecords", MapElements.into(TypeDescriptors.strings()).via((ImageOutcome o) -> o.toReportJson().toString()))
        .apply("WriteOutcomes", WriteJsonLines.to(outcomes));
    return p;
  }

  /** Runs the job; returns the exit status (0 all indexed, 1 some images failed). Its figures go to {@code figures}. */
  public int run(PrintStream out, PrintStream err, Progress progress, RunFigures figures) throws IOException {
    Files.createDirectories(outDir());
    Files.createDirectories(cacheDir());
    Path outcomes = outDir().resolve(".outcomes-" + UUID.randomUUID() + ".jsonl");
    long start = System.nanoTime();
    try {
      CachedIndex.Attempt tried = CachedIndex.write(this, outcomes, progress);
      Optional<JobMetrics> written = tried.written();
      written.ifPresent(progress::finish);
      JobMetrics metrics =
          written.isPresent() ? written.get() : JobRunner.run(pipeline(outcomes.toString(), tried), progress);
      RunReport report = RunReport.read("index", outcomes, metrics, (System.nanoTime() - start) / 1e9);
      report.printSummary(out, err);
      report.fill(figures);
      RunRecord.write(outDir(), references(), Instant.now());
      if (report().isPresent()) {
        report.write(report().get());
      }
      out.println("catalog: " + outDir());
      return report.failedImages() > 0 ? 1 : 0;
    } finally {
      Files.deleteIfExists(outcomes);
    }
  }
}
