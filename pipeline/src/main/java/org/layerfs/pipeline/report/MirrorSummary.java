package org.layerfs.pipeline.report;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the report shows: the catalog's images and layers, summed up. Holds no file records. */
record MirrorSummary(Optional<RunInfo> run, List<ImageRow> images, Map<String, LayerRow> layers,
    List<FileSize> biggestDirectories) {

  /** Blob bytes of the distinct layers: what the mirror stores. */
  long storedBytes() {
    return layers.values().stream().mapToLong(LayerRow::size).sum();
  }

  /** Blob bytes of every image's layers, as if no layer were shared. */
  long unsharedBytes() {
    long sum = 0;
    for (ImageRow image : images) {
      for (String digest : new LinkedHashSet<>(image.layers())) {
        LayerRow layer = layers.get(digest);
        sum += layer == null ? 0 : layer.size();
      }
    }
    return sum;
  }

  /** How many images use each layer. */
  Map<String, Integer> imagesPerLayer() {
    Map<String, Integer> count = new HashMap<>();
    images.forEach(i -> new LinkedHashSet<>(i.layers()).forEach(d -> count.merge(d, 1, Integer::sum)));
    return count;
  }

  /** The layers used by more than one image, most images first, then biggest. */
  List<Map.Entry<String, Integer>> mostSharedLayers(int limit) {
    return imagesPerLayer().entrySet().stream()
        .filter(e -> e.getValue() > 1)
        .sorted(Comparator.comparing((Map.Entry<String, Integer> e) -> e.getValue()).reversed()
            .thenComparing(e -> -size(e.getKey()))
            .thenComparing(Map.Entry::getKey))
        .limit(limit)
        .toList();
  }

  long size(String digest) {
    LayerRow layer = layers.get(digest);
    return layer == null ? 0 : layer.size();
  }
}
