package org.layerfs.transforms.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.layerfs.io.model.Compression;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.transforms.tar.LayerFormatException;

/**
 * Indexes one layer at a time into the cache, or takes its index from there: the pipeline's
 * reading step without Beam, so that a cold index can also run it beside a pipeline. One per
 * thread (its reader keeps a read-ahead thread, its stores are opened once); close it when done.
 */
public final class LayerIndexer implements AutoCloseable {
  /** What became of a layer, and whether a damaged cache entry was found (and rebuilt, unless it failed). */
  public record Indexed(LayerOutcome outcome, boolean damagedEntry) {}

  private final LayerCache cache;
  private final RegistryConfig registry;
  private final LayerReader reader = new LayerReader();
  private final Map<ImageReference, ImageSource> sources = new HashMap<>();

  public LayerIndexer(LayerCache cache, RegistryConfig registry) {
    this.cache = cache;
    this.registry = registry;
  }

  /** Indexes {@code ref}'s layer; a failure is an outcome, naming the layer and its store. */
  public Indexed index(LayerRef ref) {
    Descriptor layer = ref.descriptor();
    if (layer.isNonDistributable()) {
      return new Indexed(LayerOutcome.foreign(layer), false);
    }
    boolean damaged = false;
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
        return new Indexed(LayerOutcome.indexed(lookup.summary().get(), true), false);
      }
      damaged = lookup.status() == LayerCache.Status.DAMAGED;
      try (InputStream raw = source(ref.store()).openBlob(layer);
          LayerCache.EntryWriter entry = cache.begin(layer.digest())) {
        LayerSummary summary = reader.read(raw, layer, entry::write);
        entry.commit(summary);
        return new Indexed(LayerOutcome.indexed(summary, false), damaged);
      }
    } catch (IOException | UncheckedIOException e) {
      return new Indexed(
          LayerOutcome.failed(
              layer.digest(), "layer " + layer.digest() + " (" + layer.mediaType() + ") in " + ref.store() + ": " + e.getMessage()),
          damaged);
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

  /** Stops the reader's read-ahead thread and closes the stores (a registry's connections). */
  @Override
  public void close() throws IOException {
    reader.close();
    for (ImageSource s : sources.values()) {
      s.close();
    }
  }
}
