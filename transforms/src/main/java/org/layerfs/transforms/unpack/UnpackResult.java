package org.layerfs.transforms.unpack;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.transforms.tar.TarNames;

/** What one step of an unpack did: the plan made, a layer written, or why it failed. */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class UnpackResult implements Serializable {
  private static final long serialVersionUID = 1L;

  /** True for the planning step's success: the directories exist and the layers may write. */
  public abstract boolean planned();

  /** Entries written (files, symlinks, fifos, devices). */
  public abstract long written();

  /** File content bytes written. */
  public abstract long bytes();

  /** What was skipped: devices when not root, xattrs that cannot be set. */
  public abstract ImmutableList<String> notices();

  public abstract Optional<String> error();

  /** The planning step's plan, without the layers' entries: what the last step needs. */
  public abstract Optional<UnpackPlan> finishing();

  public static UnpackResult planned(UnpackPlan plan) {
    return new AutoValue_UnpackResult(true, plan.directories().size(), 0, ImmutableList.of(), Optional.empty(),
        Optional.of(plan.finishing()));
  }

  public static UnpackResult layer(long written, long bytes, List<String> notices) {
    return new AutoValue_UnpackResult(false, written, bytes, ImmutableList.copyOf(notices), Optional.empty(), Optional.empty());
  }

  public static UnpackResult failed(String error) {
    return new AutoValue_UnpackResult(false, 0, 0, ImmutableList.of(), Optional.of(TarNames.display(error)), Optional.empty());
  }
}
