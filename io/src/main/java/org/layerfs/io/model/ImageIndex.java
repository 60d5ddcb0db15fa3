package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;

/** An OCI image index or Docker manifest list: the manifests of a multi-platform image. */
@AutoValue
public abstract class ImageIndex implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract String mediaType();

  public abstract ImmutableList<Descriptor> manifests();

  public static ImageIndex of(String mediaType, ImmutableList<Descriptor> manifests) {
    return new AutoValue_ImageIndex(mediaType, manifests);
  }
}
