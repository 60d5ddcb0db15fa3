package org.layerfs.transforms.layer;

/** The names of the Beam metrics that layer transforms report; progress and reports read them. */
public final class LayerMetrics {
  public static final String NAMESPACE = "layerfs";
  public static final String LAYERS_TOTAL = "layersTotal";
  public static final String BYTES_TOTAL = "bytesTotal";
  public static final String LAYERS_INDEXED = "layersIndexed";
  public static final String LAYERS_CACHED = "layersFromCache";
  public static final String CACHE_REBUILT = "cacheEntriesRebuilt";
  public static final String LAYERS_FAILED = "layersFailed";
  public static final String BYTES_DONE = "bytesDone";
  public static final String IMAGES_DONE = "imagesDone";
  public static final String IMAGES_FAILED = "imagesFailed";

  private LayerMetrics() {}
}
