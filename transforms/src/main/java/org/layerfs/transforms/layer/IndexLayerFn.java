package org.layerfs.transforms.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.layerfs.io.model.Compression;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.transforms.tar.LayerFormatException;

/**
 * Indexes each layer it is given, or takes its index from the cache. It is given a layer's
 * references grouped by digest and takes any one of them (the blob is the same), counting the
 * distinct layers and their bytes, the totals progress is measured against: in this step, not one
 * of its own, since the direct runner makes an evaluator for every bundle of every step and after
 * the grouping every layer is a bundle.
 */
class IndexLayerFn extends DoFn<KV<String, Iterable<LayerRef>>, LayerOutcome> {
  private static final long serialVersionUID = 1L;

  private final String cacheDir;
  private final RegistryConfig registry;
  private final Counter layersTotal = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_TOTAL);
  private final Counter bytesTotal = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_TOTAL);
  private final Counter indexed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_INDEXED);
  private final Counter cached = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_CACHED);
  private final Counter rebuilt = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.CACHE_REBUILT);
  private final Counter failed = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.LAYERS_FAILED);
  private final Counter bytes = Metrics.counter(LayerMetrics.NAMESPACE, LayerMetrics.BYTES_DONE);

  private transient LayerCache cache;
  private transient LayerReader reader;
  private transient Map<ImageReference, ImageSource> sources;

  IndexLayerFn(String cacheDir, RegistryConfig registry) {
    this.cacheDir = cacheDir;
    this.registry = registry;
  }

  @Setup
  public void setup() {
    cache = new LayerCache(Path.of(cacheDir));
    reader = new LayerReader();
    sources = new HashMap<>();
  }

  @ProcessElement
  public void process(@Element KV<String, Iterable<LayerRef>> group, OutputReceiver<LayerOutcome> out) {
    LayerRef ref = group.getValue().iterator().next();
    Descriptor layer = ref.descriptor();
    layersTotal.inc();
    bytesTotal.inc(layer.size());
    if (layer.isNonDistributable()) {
      out.output(LayerOutcome.foreign(layer));
      return;
    }
    try {
      // The media type is the referrer's claim, not the blob's: check it even on a cache hit.
      Compression declared =
          MediaTypes.layerCompression(layer.mediaType())
              .orElseThrow(() -> new LayerFormatException("unknown layer media type \"" + layer.mediaType() + "\""));
      LayerCache.Lookup lookup = cache.lookup(layer.digest());
      if (lookup.status() == LayerCache.Status.HIT) {
        if (!lookup.summary().get().compression().equals(declared.label())) {
          throw new LayerFormatException(
              "media type says " + declared.label() + " but the stream is " + lookup.summary().get().compression());
        }
        cached.inc();
        bytes.inc(layer.size());
        out.output(LayerOutcome.indexed(lookup.summary().get(), true));
        return;
      }
      if (lookup.status() == LayerCache.Status.DAMAGED) {
        rebuilt.inc();
      }
      try (InputStream raw = source(ref.store()).openBlob(layer);
          LayerCache.EntryWriter entry = cache.begin(layer.digest())) {
        LayerSummary summary = reader.read(raw, layer, entry::write);
        entry.commit(summary);
        indexed.inc();
        bytes.inc(layer.size());
        out.output(LayerOutcome.indexed(summary, false));
      }
    } catch (IOException | UncheckedIOException e) {
      failed.inc();
      bytes.inc(layer.size());
      out.output(
          LayerOutcome.failed(
              layer.digest(), "layer " + layer.digest() + " (" + layer.mediaType() + ") in " + ref.store() + ": " + e.getMessage()));
    }
  }

  private ImageSource source(ImageReference store) throws IOException {
    ImageSource s = sources.get(store);
    if (s == null) {
      s = ImageSources.open(store, registry);
      sources.put(store, s);
    }
    return s;
  }

  @Teardown
  public void teardown() throws IOException {
    if (reader != null) {
      reader.close();
    }
    if (sources != null) {
      for (ImageSource s : sources.values()) {
        s.close();
      }
    }
  }
}
