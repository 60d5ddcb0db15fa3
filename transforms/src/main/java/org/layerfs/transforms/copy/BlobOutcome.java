package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import java.io.Serializable;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference;

/** What became of one blob at one destination: copied now, already there, or failed and why. */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class BlobOutcome implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract String key();

  public abstract boolean copied();

  /** Bytes written to the destination (0 when the blob was already there). */
  public abstract long bytes();

  public abstract Optional<String> error();

  public static BlobOutcome copied(ImageReference destination, Digest digest, long bytes) {
    return new AutoValue_BlobOutcome(key(destination, digest), true, bytes, Optional.empty());
  }

  public static BlobOutcome present(ImageReference destination, Digest digest) {
    return new AutoValue_BlobOutcome(key(destination, digest), false, 0, Optional.empty());
  }

  public static BlobOutcome failed(ImageReference destination, Digest digest, String error) {
    return new AutoValue_BlobOutcome(key(destination, digest), false, 0, Optional.of(error));
  }

  /** Blobs are copied once per destination and digest; this names that pair. */
  public static String key(ImageReference destination, Digest digest) {
    return destination.store() + " " + digest;
  }
}
