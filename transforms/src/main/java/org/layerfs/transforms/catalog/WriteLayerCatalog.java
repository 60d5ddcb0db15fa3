package org.layerfs.transforms.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
      if (layer.summary().isEmpty()) {
        return; // failed and foreign layers are in the report, not the catalog
      }
      Digest d = layer.digest();
      Path target = Path.of(outDir, "files", d.algorithm(), d.hex() + ".jsonl.gz");
      if (!Files.exists(target)) {
        DurableFiles.copy(cache.filesPath(d), target);
      }
      out.output(layer.summary().get().toJson().toString());
    }
  }
}
