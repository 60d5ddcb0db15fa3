package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.Optional;

/**
 * An image manifest (OCI or Docker schema 2): a config and an ordered list of layers. An OCI 1.1
 * manifest may also be an artifact (a Helm chart, an SBOM, a signature) and may name the manifest
 * it is about ({@link #subject}).
 */
@AutoValue
@SerializableAutoValue
public abstract class Manifest implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract String mediaType();

  public abstract Descriptor config();

  public abstract ImmutableList<Descriptor> layers();

  /** The {@code artifactType} field, when the manifest declares one. */
  public abstract Optional<String> artifactType();

  /** The manifest this one refers to (OCI 1.1 {@code subject}): a signature's or SBOM's image. */
  public abstract Optional<Descriptor> subject();

  public static Manifest of(String mediaType, Descriptor config, ImmutableList<Descriptor> layers) {
    return of(mediaType, config, layers, Optional.empty(), Optional.empty());
  }

  public static Manifest of(
      String mediaType, Descriptor config, ImmutableList<Descriptor> layers, Optional<String> artifactType,
      Optional<Descriptor> subject) {
    return new AutoValue_Manifest(mediaType, config, layers, artifactType, subject);
  }

  /**
   * True when this is an artifact, not a container image: it declares an {@code artifactType}, its
   * config is not an image config (a Helm chart's, a WASM module's, the OCI empty config), or
   * every layer is a JSON document rather than a tar (cosign's signatures and attestations).
   */
  public boolean isArtifact() {
    return artifactType().isPresent()
        || !MediaTypes.isImageConfig(config().mediaType())
        || (!layers().isEmpty() && layers().stream().allMatch(l -> MediaTypes.isJson(l.mediaType())));
  }

  /** The artifact type as the referrers API reports it: {@code artifactType}, else the config's media type. */
  public String artifactKind() {
    return artifactType().orElse(config().mediaType());
  }
}
