package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.Serializable;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.registry.RegistryLocation;

/** One blob to bring from a source store to a destination store; its bytes only when planning read them (a config). */
@AutoValue
@SerializableAutoValue
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

  /** The blob's bytes as planning read them, so that the source is not asked again. */
  public abstract Optional<ManifestBlob> content();

  /** The blobs of {@code plan}. */
  public static ImmutableList<BlobCopy> of(CopyPlan plan) {
    Map<Digest, ManifestBlob> read =
        plan.configs().stream().collect(ImmutableMap.toImmutableMap(c -> c.descriptor().digest(), Function.identity()));
    return plan.blobs().stream()
        .map(b -> new AutoValue_BlobCopy(
            b, plan.source(), plan.destination(), plan.image().toString(), plan.sourceRegistry(), plan.destinationRegistry(),
            Optional.ofNullable(read.get(b.digest()))))
        .collect(ImmutableList.toImmutableList());
  }

  public String key() {
    return BlobOutcome.key(destination(), blob().digest());
  }

  /** True when the blob goes from a registry to a registry: its copy waits on round trips, not on a disk. */
  public boolean betweenRegistries() {
    return source().transport() == ImageReference.Transport.DOCKER && destination().transport() == ImageReference.Transport.DOCKER;
  }

  /**
   * The blob's {@link BlobRoute}: its digest at the destination's registry, where repositories
   * can mount from each other; at any other destination, the store itself.
   */
  public String routeKey() {
    if (destination().transport() == ImageReference.Transport.DOCKER) {
      return "docker://" + RegistryLocation.of(destination()).registry() + " " + blob().digest();
    }
    return key();
  }
}
