package org.layerfs.transforms.image;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.layerfs.io.files.DurableFiles;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.catalog.FileEntryJson;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.layer.LayerOutcome;
import org.layerfs.transforms.merge.LayerMerger;
import org.layerfs.transforms.tar.FileEntry;

/**
 * One image's merged view from its layers' cached catalogs, without Beam: {@link MergeLayers}
 * runs it per image, and a warm index that needs no pipeline runs it directly. Checks that every
 * layer was indexed and matches the diffID its config declares, applies the layers in order, and
 * writes the view to {@code <mergedDir>/<alg>/<hex>.jsonl} when a directory is given.
 */
public final class ImageMerge {
  private ImageMerge() {}

  /** The image's outcome: merged, listed as an artifact, or failed with a message naming the layer. */
  public static ImageOutcome of(ResolvedImage image, Map<String, LayerOutcome> outcomes, LayerCache cache, Optional<Path> mergedDir) {
    if (image.isArtifact()) {
      return ImageOutcome.artifact(image); // listed as it is: it has no file tree to merge
    }
    try {
      return merge(image, outcomes, cache, mergedDir);
    } catch (ImageException | IOException | UncheckedIOException e) {
      return ImageOutcome.failed(image, image.name() + ": " + e.getMessage());
    }
  }

  private static ImageOutcome merge(ResolvedImage image, Map<String, LayerOutcome> outcomes, LayerCache cache, Optional<Path> mergedDir)
      throws ImageException, IOException {
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
    if (mergedDir.isPresent()) {
      write(merger.entries(), mergedDir.get(), image.manifestDigest());
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

  /** An image that cannot be merged; the message names the layer and what is wrong. */
  private static final class ImageException extends Exception {
    private static final long serialVersionUID = 1L;

    ImageException(String message) {
      super(message);
    }
  }
}
