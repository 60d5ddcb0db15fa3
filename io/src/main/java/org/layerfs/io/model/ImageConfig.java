package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;

/** The parts of an image config layerfs uses: platform and the diffIDs of the layers. */
@AutoValue
public abstract class ImageConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract Platform platform();

  /** The sha256 of each layer's uncompressed tar, in layer order. */
  public abstract ImmutableList<Digest> diffIds();

  public static ImageConfig of(Platform platform, ImmutableList<Digest> diffIds) {
    return new AutoValue_ImageConfig(platform, diffIds);
  }
}
