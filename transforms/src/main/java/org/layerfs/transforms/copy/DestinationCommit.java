package org.layerfs.transforms.copy;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.source.ImageSource;

/**
 * The commit of copied images at one destination, in {@link CommitImages}'s worker or beside the
 * pipeline: an image's manifests only when every blob it references arrived, children before the
 * indexes that list them, its tag last.
 */
public final class DestinationCommit {
  private DestinationCommit() {}

  /** The plans of one destination in the order they are committed: fixed, so that when two sources name one tag every run ends alike. */
  public static List<CopyPlan> inOrder(Iterable<CopyPlan> plans) {
    List<CopyPlan> sorted = new ArrayList<>();
    plans.forEach(sorted::add);
    sorted.sort(Comparator.comparing((CopyPlan p) -> p.target().toString()).thenComparing(p -> p.image().toString()));
    return sorted;
  }

  /**
   * Commits {@code plan} given the outcomes of the blobs, by {@link BlobOutcome#key}; with
   * {@code verify}, reads every blob back at the destination (for move).
   */
  public static CopyOutcome commit(CopyPlan plan, Map<String, BlobOutcome> blobs, OpenStores stores, boolean verify) {
    int copied = 0;
    long bytes = 0;
    List<String> errors = new ArrayList<>();
    for (Descriptor blob : plan.blobs()) {
      BlobOutcome o = blobs.get(BlobOutcome.key(plan.destination(), blob.digest()));
      if (o == null) {
        errors.add("blob " + blob.digest() + " was not copied");
      } else if (o.error().isPresent()) {
        errors.add(o.error().get());
      } else if (o.copied()) {
        copied++;
        bytes += o.bytes();
      }
    }
    if (!errors.isEmpty()) {
      return CopyOutcome.failed(plan, errors.size() == 1 ? errors.get(0) : errors.get(0) + " (and " + (errors.size() - 1) + " more blobs)");
    }
    try {
      ImageDestination destination = stores.destination(plan.destination(), plan.destinationRegistry());
      for (int i = 0; i < plan.manifests().size(); i++) {
        boolean root = i == plan.manifests().size() - 1;
        ManifestBlob m = plan.manifests().get(i);
        if (root && plan.referrerOf().isPresent()) {
          destination.putReferrer(plan.referrerOf().get(), m.descriptor(), m.bytes());
        } else {
          destination.putManifest(m.descriptor(), m.bytes(), root ? plan.tag() : Optional.empty());
        }
      }
      if (verify) {
        verifyAtDestination(plan, destination, stores);
      }
      return CopyOutcome.copied(plan, copied, bytes);
    } catch (IOException e) {
      return CopyOutcome.failed(plan, plan.target() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    }
  }

  /** Reads back every blob of {@code plan} at its destination, checking each digest, and asks for each manifest by digest. */
  private static void verifyAtDestination(CopyPlan plan, ImageDestination destination, OpenStores stores) throws IOException {
    Optional<Digest> tagged =
        plan.tag().isPresent() ? destination.tagDigest(plan.destinationTag()) : Optional.of(plan.root().digest());
    if (!tagged.equals(Optional.of(plan.root().digest()))) {
      throw new IOException("after the copy the tag names " + tagged.map(Digest::toString).orElse("nothing")
          + ", not " + plan.root().digest());
    }
    // Manifests by digest at the manifest endpoint: a registry need not serve them as blobs (the distribution registry does).
    for (ManifestBlob m : plan.manifests()) {
      if (!destination.hasManifest(m.descriptor())) {
        throw new IOException("after the copy " + plan.destination() + " lacks manifest " + m.descriptor().digest());
      }
    }
    ImageSource readBack = stores.source(plan.destination(), plan.destinationRegistry());
    for (Descriptor d : plan.blobs()) {
      try (InputStream in = readBack.openBlob(d);
          VerifyingInputStream v = new VerifyingInputStream(in, d, "blob " + d.digest() + " read back from " + plan.destination())) {
        v.drainAndVerify();
      }
    }
  }
}
