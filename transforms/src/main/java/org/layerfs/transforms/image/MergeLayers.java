package org.layerfs.transforms.image;

import com.google.auto.value.AutoValue;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerMetrics;
import org.layerfs.transforms.layer.LayerOutcome;

/**
 * Computes each image's merged view (the LayerFS) from its layers' cached catalogs ({@link
 * ImageMerge}, one image per element), and writes the view to {@code merged/<alg>/<hex>.jsonl}
 * when an output directory is set.
 */
@AutoValue
public abstract class MergeLayers extends PTransform<PCollection<ResolvedImage>, PCollection<ImageOutcome>> {
  private static final long serialVersionUID = 1L;

  abstract String cacheDir();

  /** Layer outcomes by digest string, as a side input. */
  abstract PCollectionView<Map<String, LayerOutcome>> layers();

  abstract Optional<String> mergedDir();

  public static MergeLayers of(String cacheDir, PCollectionView<Map<String, LayerOutcome>> layers) {
    return new AutoValue_MergeLayers(cacheDir, layers, Optional.empty());
  }

  /** Also writes each merged view under {@code dir}. */
  public MergeLayers writingTo(String dir) {
    return new AutoValue_MergeLayers(cacheDir(), layers(), Optional.of(dir));
  }

  @Override
  public PCollection<ImageOutcome> expand(PCollection<ResolvedImage> images) {
    return images
        // The images of one reference come from one element: spread them so they merge in parallel.
        .apply("SpreadImages", Reshuffle.viaRandomKey())
        .apply("MergeEachImage",
        ParDo.of(new MergeFn(cacheDir(), layers(), mergedDir())).withSideInputs(layers()));
  }

  private static final class MergeFn extends DoFn<ResolvedImage, ImageOutcome> {
    private static final long serialVersionUID = 1L;
    private final String cacheDir;
    private final PCollectionView<Map<String, LayerOutcome>> layersView;
    /** Optional is not serializable: a DoFn keeps the directory or null. */
    private final String mergedDir;
    private final Counter done = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.IMAGES_DONE);
    private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.IMAGES_FAILED);
    private transient LayerCache cache;

    MergeFn(String cacheDir, PCollectionView<Map<String, LayerOutcome>> layersView, Optional<String> mergedDir) {
      this.cacheDir = cacheDir;
      this.layersView = layersView;
      this.mergedDir = mergedDir.orElse(null);
    }

    @Setup
    public void setup() {
      cache = new LayerCache(Path.of(cacheDir));
    }

    @ProcessElement
    public void process(@Element ResolvedImage image, ProcessContext c) {
      ImageOutcome outcome = ImageMerge.of(image, c.sideInput(layersView), cache, Optional.ofNullable(mergedDir).map(Path::of));
      (outcome.isFailed() ? failed : done).inc();
      c.output(outcome);
    }
  }
}
