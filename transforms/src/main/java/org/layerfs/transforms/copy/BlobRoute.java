package org.layerfs.transforms.copy;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.source.ImageSource;

/**
 * One blob and every destination of one registry (or one other store) that needs it, copied as
 * one: each destination is asked whether it has the blob; where none has, the blob crosses from
 * the source once, into the first; the others get it by a cross-repository mount from wherever
 * it is. A blob shared by many repositories of a mirror is pulled and pushed once per run.
 */
@AutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class BlobRoute implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One copy per destination store, in a fixed order so that every run takes the same path. */
  abstract ImmutableList<BlobCopy> copies();

  /** The route of {@code copies}, all of one blob and one route key; a store named twice is kept once. */
  public static BlobRoute of(Iterable<BlobCopy> copies) {
    Map<String, BlobCopy> byDestination = new LinkedHashMap<>();
    for (BlobCopy c : copies) {
      BlobCopy kept = byDestination.get(c.destination().store().toString());
      // Any image's copy will do; one that carries the bytes saves a fetch.
      if (kept == null || (kept.content().isEmpty() && c.content().isPresent())) {
        byDestination.put(c.destination().store().toString(), c);
      }
    }
    List<BlobCopy> sorted = new ArrayList<>(byDestination.values());
    sorted.sort(Comparator.comparing(c -> c.destination().store().toString()));
    return new AutoValue_BlobRoute(ImmutableList.copyOf(sorted));
  }

  public Descriptor blob() {
    return copies().get(0).blob();
  }

  /** How many destinations need the blob. */
  public int destinations() {
    return copies().size();
  }

  /** True when the blob travels between registries alone: its copy waits on round trips, not on a disk. */
  public boolean betweenRegistries() {
    return copies().stream().allMatch(BlobCopy::betweenRegistries);
  }

  /**
   * Brings the blob to every destination; one outcome each, a failure at one not failing the others.
   * Where none has it, the repositories {@code inStep} names at that registry are asked first. A
   * destination that gets it by a mount from a repository that held it before the run counts it
   * as already there: nothing crossed.
   */
  public ImmutableList<BlobOutcome> copy(OpenStores stores, InStepRepositories inStep) {
    Map<BlobCopy, BlobOutcome> outcomes = new LinkedHashMap<>();
    List<BlobCopy> lacking = new ArrayList<>();
    Optional<ImageReference> holder = Optional.empty();
    for (BlobCopy c : copies()) {
      try {
        if (destination(stores, c).hasBlob(c.blob())) {
          outcomes.put(c, BlobOutcome.present(c.destination(), c.blob().digest()));
          holder = holder.or(() -> Optional.of(c.destination()));
        } else {
          lacking.add(c);
        }
      } catch (IOException e) {
        outcomes.put(c, failed(c, e));
      }
    }
    if (holder.isEmpty() && !lacking.isEmpty()) {
      holder = heldElsewhere(stores, lacking.get(0), inStep);
    }
    boolean heldBefore = holder.isPresent();
    for (BlobCopy c : lacking) {
      try {
        boolean mounted = holder.isPresent() && destination(stores, c).mountBlob(c.blob(), holder.get());
        if (!mounted) {
          bring(stores, c);
          // The others mount from where it now surely is.
          holder = Optional.of(c.destination());
          heldBefore = false;
        }
        outcomes.put(c, mounted && heldBefore ? BlobOutcome.present(c.destination(), c.blob().digest())
            : BlobOutcome.copied(c.destination(), c.blob().digest(), c.blob().size()));
      } catch (IOException e) {
        outcomes.put(c, failed(c, e));
      }
    }
    return copies().stream().map(outcomes::get).collect(ImmutableList.toImmutableList());
  }

  /**
   * The first repository of those {@code inStep} names for {@code c}'s blob that has it, by one
   * HEAD each. One that cannot be asked (no pull right, a failure) is passed over: the blob is
   * then copied as it would have been.
   */
  private Optional<ImageReference> heldElsewhere(OpenStores stores, BlobCopy c, InStepRepositories inStep) {
    Set<ImageReference> route = copies().stream().map(BlobCopy::destination).collect(Collectors.toSet());
    for (ImageReference repository : inStep.toAsk(c, route)) {
      try {
        if (stores.destination(repository, c.destinationRegistry()).hasBlob(c.blob())) {
          return Optional.of(repository);
        }
      } catch (IOException e) {
        // Asked to save a copy, not needed for one.
      }
    }
    return Optional.empty();
  }

  /** Copies the blob to one destination from its source: mounted when at the same registry, else its bytes sent. */
  private static void bring(OpenStores stores, BlobCopy c) throws IOException {
    ImageDestination destination = destination(stores, c);
    if (destination.mountBlob(c.blob(), c.source())) {
      return;
    }
    if (c.content().isPresent()) {
      destination.putBlob(c.blob(), new ByteArrayInputStream(c.content().get().bytes()));
      return;
    }
    ImageSource source = stores.source(c.source(), c.sourceRegistry());
    destination.putBlob(c.blob(), offset -> source.openBlob(c.blob(), offset));
  }

  private static ImageDestination destination(OpenStores stores, BlobCopy c) throws IOException {
    return stores.destination(c.destination(), c.destinationRegistry());
  }

  private static BlobOutcome failed(BlobCopy c, IOException e) {
    String why = e.getMessage() == null ? e.toString() : e.getMessage();
    String message = c.image() + ": " + (why.contains(c.blob().digest().toString()) ? why : "blob " + c.blob().digest() + ": " + why);
    return BlobOutcome.failed(c.destination(), c.blob().digest(), message);
  }
}
