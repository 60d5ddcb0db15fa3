package org.layerfs.transforms.copy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import java.io.Serializable;
import java.util.Locale;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Digest;
import org.layerfs.io.ref.ImageReference;

/** What became of one source image in a copy, sync or move, for the report. */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class CopyOutcome implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How an image ended. */
  public enum Status {
    /** Written to the destination (blobs it already had were not copied again). */
    COPIED,
    /** The destination tag already named the same manifest; nothing written. */
    SKIPPED,
    /** Copied, verified at the destination and removed from the source. */
    MOVED,
    FAILED;

    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The source image (reference, or the reference that failed). */
  public abstract String image();

  public abstract Optional<CopyPlan> plan();

  public abstract Status status();

  public abstract int blobsCopied();

  public abstract long bytesCopied();

  public abstract double seconds();

  /** Why it was skipped or failed. */
  public abstract Optional<String> reason();

  /** The destination with its tag and the digest it names, for an image skipped before it was planned. */
  abstract Optional<ImageReference> unplannedTarget();

  abstract Optional<String> unplannedDigest();

  public static CopyOutcome copied(CopyPlan plan, int blobsCopied, long bytesCopied) {
    return new AutoValue_CopyOutcome(
        plan.image().toString(), Optional.of(plan), Status.COPIED, blobsCopied, bytesCopied, secondsSince(plan),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static CopyOutcome skipped(CopyPlan plan, String reason) {
    return new AutoValue_CopyOutcome(
        plan.image().toString(), Optional.of(plan), Status.SKIPPED, 0, 0, 0, Optional.of(reason), Optional.empty(),
        Optional.empty());
  }

  /**
   * A sync's image skipped without a plan: {@code target} already names {@code digest}, which
   * the source tag names too (or need not be asked about: an immutable tag).
   */
  public static CopyOutcome skipped(ImageReference image, ImageReference target, Digest digest, String reason) {
    return new AutoValue_CopyOutcome(
        image.toString(), Optional.empty(), Status.SKIPPED, 0, 0, 0, Optional.of(reason), Optional.of(target),
        Optional.of(digest.toString()));
  }

  public static CopyOutcome failed(CopyPlan plan, String error) {
    return new AutoValue_CopyOutcome(
        plan.image().toString(), Optional.of(plan), Status.FAILED, 0, 0, secondsSince(plan), Optional.of(error),
        Optional.empty(), Optional.empty());
  }

  /** An image or reference that failed before it could be planned. */
  public static CopyOutcome failed(String image, String error) {
    return new AutoValue_CopyOutcome(
        image, Optional.empty(), Status.FAILED, 0, 0, 0, Optional.of(error), Optional.empty(), Optional.empty());
  }

  /** This outcome with another status and reason, the counts kept (a copy that was then moved, or not). */
  public CopyOutcome with(Status status, Optional<String> reason) {
    return new AutoValue_CopyOutcome(
        image(), plan(), status, blobsCopied(), bytesCopied(), seconds(), reason, unplannedTarget(), unplannedDigest());
  }

  private static double secondsSince(CopyPlan plan) {
    return Math.max(0, System.currentTimeMillis() - plan.plannedAtMillis()) / 1000.0;
  }

  /** The destination store of an image found in step there (skipped); empty for any other outcome. */
  public Optional<ImageReference> inStepAt() {
    if (status() != Status.SKIPPED) {
      return Optional.empty();
    }
    return plan().map(CopyPlan::destination).or(() -> unplannedTarget().map(ImageReference::store));
  }

  public boolean isFailed() {
    return status() == Status.FAILED;
  }

  /**
   * The record of the run report. Made without the mapper: a sync with nothing to do makes these
   * records and writes no JSON, and initialising the mapper costs it more than its work
   * ({@code StrictJson}).
   */
  public ObjectNode toReportJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("image", image());
    plan().ifPresent(p -> {
      n.put("digest", p.root().digest().toString());
      n.put("mediaType", p.root().mediaType());
      n.put("destination", p.target().toString());
      n.put("blobs", p.blobs().size());
      n.put("manifests", p.manifests().size());
      // A sparse index is a new document: the report says what it was made from.
      Optional.ofNullable(p.root().annotations().get(SparseIndex.SOURCE_INDEX)).ifPresent(d -> n.put("sourceIndex", d));
      Optional.ofNullable(p.root().annotations().get(SparseIndex.PLATFORMS)).ifPresent(d -> n.put("platforms", d));
      if (p.isReferrer()) {
        n.put("referrer", true);
        p.referrerOf().ifPresent(s -> n.put("subject", s.digest().toString()));
        p.root().artifactType().ifPresent(t -> n.put("artifactType", t));
      }
    });
    unplannedDigest().ifPresent(d -> n.put("digest", d));
    unplannedTarget().ifPresent(t -> n.put("destination", t.toString()));
    n.put("status", status().json());
    n.put("blobsCopied", blobsCopied());
    n.put("bytesCopied", bytesCopied());
    n.put("seconds", Math.round(seconds() * 1000) / 1000.0);
    reason().ifPresent(r -> n.put(isFailed() ? "error" : "reason", r));
    return n;
  }
}
