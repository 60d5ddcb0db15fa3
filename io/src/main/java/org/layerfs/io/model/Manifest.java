package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;

/** An image manifest (OCI or Docker schema 2): a config and an ordered list of layers. */
@AutoValue
public abstract class Manifest implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract String mediaType();

  public abstract Descriptor config();

  public abstract ImmutableList<Descriptor> layers();

  public static Manifest of(String mediaType, Descriptor config, ImmutableList<Descriptor> layers) {
    return new AutoValue_Manifest(mediaType, config, layers);
  }
}
