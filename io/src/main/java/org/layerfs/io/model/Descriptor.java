package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.Serializable;
import java.util.Optional;

/** An OCI content descriptor: what a manifest or index says about a blob it references. */
@AutoValue
@SerializableAutoValue
public abstract class Descriptor implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The annotation that names an image in an OCI layout's {@code index.json}. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  public abstract String mediaType();

  public abstract Digest digest();

  public abstract long size();

  public abstract ImmutableList<String> urls();

  public abstract ImmutableMap<String, String> annotations();

  public abstract Optional<Platform> platform();

  /** The artifact type an OCI 1.1 descriptor declares (referrers and their indexes carry it). */
  public abstract Optional<String> artifactType();

  public static Builder builder() {
    return new AutoValue_Descriptor.Builder()
        .setUrls(ImmutableList.of())
        .setAnnotations(ImmutableMap.of());
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return builder().setMediaType(mediaType).setDigest(digest).setSize(size).build();
  }

  public abstract Builder toBuilder();

  /** The {@code org.opencontainers.image.ref.name} annotation, if any. */
  public Optional<String> refName() {
    return Optional.ofNullable(annotations().get(REF_NAME));
  }

  /** True for foreign and non-distributable layers, which are reported but never fetched. */
  public boolean isNonDistributable() {
    return MediaTypes.isNonDistributable(mediaType());
  }

  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setMediaType(String mediaType);

    public abstract Builder setDigest(Digest digest);

    public abstract Builder setSize(long size);

    public abstract Builder setUrls(ImmutableList<String> urls);

    public abstract Builder setAnnotations(ImmutableMap<String, String> annotations);

    public abstract Builder setPlatform(Platform platform);

    public abstract Builder setPlatform(Optional<Platform> platform);

    public abstract Builder setArtifactType(Optional<String> artifactType);

    public abstract Descriptor build();
  }
}
