package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;

/** One blob to bring from a source store to a destination store. Never its bytes. */
@AutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class BlobCopy implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract Descriptor blob();

  public abstract ImageReference source();

  public abstract ImageReference destination();

  /** An image that uses the blob, named in messages. */
  public abstract String image();

  public abstract RegistryConfig sourceRegistry();

  public abstract RegistryConfig destinationRegistry();

  /** The blobs of {@code plan}. */
  public static ImmutableList<BlobCopy> of(CopyPlan plan) {
    return plan.blobs().stream()
        .map(b -> new AutoValue_BlobCopy(
            b, plan.source(), plan.destination(), plan.image().toString(), plan.sourceRegistry(), plan.destinationRegistry()))
        .collect(ImmutableList.toImmutableList());
  }

  public String key() {
    return BlobOutcome.key(destination(), blob().digest());
  }
}
