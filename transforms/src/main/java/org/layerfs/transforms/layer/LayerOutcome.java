package org.layerfs.transforms.layer;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import java.io.Serializable;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.transforms.tar.TarNames;

/** What became of one layer: indexed (now or earlier, from the cache), foreign, or failed. */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class LayerOutcome implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How the layer's index was obtained. */
  public enum Kind {
    INDEXED,
    CACHED,
    FOREIGN,
    FAILED
  }

  public abstract Digest digest();

  public abstract Kind kind();

  public abstract Optional<LayerSummary> summary();

  /** For failures: what was wrong, naming the layer. */
  public abstract Optional<String> error();

  public static LayerOutcome indexed(LayerSummary s, boolean fromCache) {
    return new AutoValue_LayerOutcome(s.digest(), fromCache ? Kind.CACHED : Kind.INDEXED, Optional.of(s), Optional.empty());
  }

  public static LayerOutcome foreign(Descriptor d) {
    return new AutoValue_LayerOutcome(d.digest(), Kind.FOREIGN, Optional.empty(), Optional.empty());
  }

  public static LayerOutcome failed(Digest digest, String error) {
    return new AutoValue_LayerOutcome(digest, Kind.FAILED, Optional.empty(), Optional.of(TarNames.display(error)));
  }
}
