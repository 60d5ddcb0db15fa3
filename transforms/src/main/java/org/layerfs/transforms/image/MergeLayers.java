package org.layerfs.transforms.image;

import com.google.auto.value.AutoValue;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerMetrics;
import org.layerfs.transforms.layer.LayerOutcome;
import org.layerfs.transforms.merge.LayerMerger;
import org.layerfs.transforms.tar.FileEntry;

/**
 * Computes each image's merged view (the LayerFS) from its layers' cached catalogs: checks that
 * every layer was indexed and matches the diffID its config declares, applies the layers in
 * order, and writes the view to {@code merged/<alg>/<hex>.jsonl} when an output directory is set.
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
      if (image.isArtifact()) {
        c.output(ImageOutcome.artifact(image)); // listed as it is: it has no file tree to merge
        done.inc();
        return;
      }
      Map<String, LayerOutcome> layers = c.sideInput(layersView);
      try {
        c.output(merge(image, layers));
        done.inc();
      } catch (ImageException | IOException | UncheckedIOException e) {
        failed.inc();
        c.output(ImageOutcome.failed(image, image.name() + ": " + e.getMessage()));
      }
    }

    private ImageOutcome merge(ResolvedImage image, Map<String, LayerOutcome> outcomes) throws ImageException, IOException {
      List<Descriptor> layers = image.manifest().layers();
      int fromCache = 0;
      LayerMerger merger = new LayerMerger();
      for (int i = 0; i < layers.size(); i++) {
        Digest digest = layers.get(i).digest();
        LayerOutcome outcome = outcomes.get(digest.toString());
        if (outcome == null) {
          throw new ImageException("layer " + digest + " was not indexed");
        }
        switch (outcome.kind()) {
          case FAILED -> throw new ImageException(outcome.error().get());
          case FOREIGN -> {
            continue; // reported, never fetched: it contributes nothing to the view
          }
          case CACHED -> fromCache++;
          case INDEXED -> {}
        }
        Digest expected = image.config().diffIds().get(i);
        Digest actual = outcome.summary().get().diffId();
        if (!expected.equals(actual)) {
          throw new ImageException(
              "layer " + digest + ": diffID mismatch: expected " + expected + " (config), actual " + actual);
        }
        merger.apply(cache.entries(digest));
      }
      if (mergedDir != null) {
        write(merger.entries(), Path.of(mergedDir), image.manifestDigest());
      }
      return ImageOutcome.merged(image, merger.stats(), fromCache);
    }

    /** Writes a view under a temporary name and renames it: no half-written view is ever visible. */
    private static void write(Iterable<FileEntry> entries, Path dir, Digest manifest) throws IOException {
      Path target = dir.resolve(manifest.algorithm()).resolve(manifest.hex() + ".jsonl");
      DurableFiles.write(target, out -> {
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        for (FileEntry e : entries) {
          FileEntryJson.write(e, w);
        }
        w.flush();
      });
    }
  }

  /** An image that cannot be merged; the message names the layer and what is wrong. */
  private static final class ImageException extends Exception {
    private static final long serialVersionUID = 1L;

    ImageException(String message) {
      super(message);
    }
  }
}
