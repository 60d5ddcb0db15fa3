package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.Optional;

/** An OCI image index or Docker manifest list: the manifests of a multi-platform image. */
@AutoValue
@SerializableAutoValue
public abstract class ImageIndex implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract String mediaType();

  public abstract ImmutableList<Descriptor> manifests();

  /** The {@code artifactType} field, when the index declares one. */
  public abstract Optional<String> artifactType();

  /** The manifest this index refers to (OCI 1.1 {@code subject}), when it is a referrer. */
  public abstract Optional<Descriptor> subject();

  public static ImageIndex of(String mediaType, ImmutableList<Descriptor> manifests) {
    return of(mediaType, manifests, Optional.empty(), Optional.empty());
  }

  public static ImageIndex of(
      String mediaType, ImmutableList<Descriptor> manifests, Optional<String> artifactType, Optional<Descriptor> subject) {
    return new AutoValue_ImageIndex(mediaType, manifests, artifactType, subject);
  }
}
