package org.layerfs.transforms.layer;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ResolvedImage;

/** A layer to read: its descriptor and the store to read it from. Never its bytes. */
@AutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class LayerRef implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract Descriptor descriptor();

  /** The store that holds the blob, reopened by whichever worker reads it. */
  public abstract ImageReference store();

  /** An image that uses the layer, named in messages. */
  public abstract String image();

  public static LayerRef of(Descriptor descriptor, ImageReference store, String image) {
    return new AutoValue_LayerRef(descriptor, store, image);
  }

  /** The layers of {@code image}, in order; none for an artifact, whose layers are not tars. */
  public static ImmutableList<LayerRef> of(ResolvedImage image) {
    if (image.isArtifact()) {
      return ImmutableList.of();
    }
    return image.manifest().layers().stream()
        .map(d -> of(d, image.store(), image.name()))
        .collect(ImmutableList.toImmutableList());
  }
}
