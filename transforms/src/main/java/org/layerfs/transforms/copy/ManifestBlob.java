package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import org.layerfs.io.model.Descriptor;

/** A manifest, index or config to write: its descriptor and its exact bytes (small, and digested by them). */
@AutoValue
public abstract class ManifestBlob implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract Descriptor descriptor();

  @SuppressWarnings("mutable")
  public abstract byte[] bytes();

  public static ManifestBlob of(Descriptor descriptor, byte[] bytes) {
    return new AutoValue_ManifestBlob(descriptor, bytes);
  }
}
