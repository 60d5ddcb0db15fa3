package org.layerfs.transforms.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Digest;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerOutcome;

/**
 * Writes the layer half of the catalog: {@code layers.jsonl} (a record per indexed layer) and
 * {@code files/<alg>/<hex>.jsonl.gz} (a record per entry of each layer), copied from the cache.
 */
public final class WriteLayerCatalog extends PTransform<PCollection<LayerOutcome>, PDone> {
  private static final long serialVersionUID = 1L;
  private final String cacheDir;
  private final String outDir;

  public WriteLayerCatalog(String cacheDir, String outDir) {
    this.cacheDir = cacheDir;
    this.outDir = outDir;
  }

  @Override
  public PDone expand(PCollection<LayerOutcome> layers) {
    PCollection<String> records = layers.apply("CopyFileCatalogs", ParDo.of(new CopyFn(cacheDir, outDir)));
    return records.apply("WriteLayersJsonl", WriteJsonLines.to(outDir + "/layers.jsonl"));
  }

  /** Copies each indexed layer's file catalog into place and emits its layers.jsonl record. */
  private static final class CopyFn extends DoFn<LayerOutcome, String> {
    private static final long serialVersionUID = 1L;
    private final String cacheDir;
    private final String outDir;
    private transient LayerCache cache;

    CopyFn(String cacheDir, String outDir) {
      this.cacheDir = cacheDir;
      this.outDir = outDir;
    }

    @Setup
    public void setup() {
      cache = new LayerCache(Path.of(cacheDir));
    }

    @ProcessElement
    public void process(@Element LayerOutcome layer, OutputReceiver<String> out) throws IOException {
      copyFiles(cache, Path.of(outDir), layer).ifPresent(out::output);
    }
  }

  /**
   * Copies an indexed layer's file catalog from {@code cache} into {@code outDir}'s {@code files/}
   * (unless there already) and returns its {@code layers.jsonl} record; failed and foreign layers
   * are in the report, not the catalog: none for them.
   */
  public static Optional<String> copyFiles(LayerCache cache, Path outDir, LayerOutcome layer) throws IOException {
    if (layer.summary().isEmpty()) {
      return Optional.empty();
    }
    Digest d = layer.digest();
    Path target = outDir.resolve("files").resolve(d.algorithm()).resolve(d.hex() + ".jsonl.gz");
    if (!Files.exists(target)) {
      DurableFiles.copy(cache.filesPath(d), target);
    }
    return Optional.of(layer.summary().get().toJson().toString());
  }
}
