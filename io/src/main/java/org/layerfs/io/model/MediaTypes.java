package org.layerfs.io.model;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.util.Optional;

/** The OCI and Docker media types layerfs understands, and what each one means. */
public final class MediaTypes {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar";
  public static final String OCI_LAYER_ND_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_LAYER_ND_ZSTD =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_MANIFEST_V1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER_FOREIGN =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  private static final ImmutableMap<String, Compression> LAYERS =
      ImmutableMap.<String, Compression>builder()
          .put(OCI_LAYER, Compression.NONE)
          .put(OCI_LAYER_GZIP, Compression.GZIP)
          .put(OCI_LAYER_ZSTD, Compression.ZSTD)
          .put(OCI_LAYER_ND, Compression.NONE)
          .put(OCI_LAYER_ND_GZIP, Compression.GZIP)
          .put(OCI_LAYER_ND_ZSTD, Compression.ZSTD)
          .put(DOCKER_LAYER, Compression.NONE)
          .put(DOCKER_LAYER_GZIP, Compression.GZIP)
          .put(DOCKER_LAYER_FOREIGN, Compression.GZIP)
          .buildOrThrow();

  private static final ImmutableSet<String> NON_DISTRIBUTABLE =
      ImmutableSet.of(OCI_LAYER_ND, OCI_LAYER_ND_GZIP, OCI_LAYER_ND_ZSTD, DOCKER_LAYER_FOREIGN);

  private MediaTypes() {}

  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  /** True for the config media types of container images (OCI and Docker). */
  public static boolean isImageConfig(String mediaType) {
    return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
  }

  /** True for a JSON document's media type ({@code application/json}, {@code ...+json}): never a layer tar. */
  public static boolean isJson(String mediaType) {
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  public static boolean isManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  /** The compression a layer media type declares, or empty when it is not a layer type we know. */
  public static Optional<Compression> layerCompression(String mediaType) {
    return Optional.ofNullable(LAYERS.get(mediaType));
  }

  public static boolean isNonDistributable(String mediaType) {
    return NON_DISTRIBUTABLE.contains(mediaType);
  }
}
