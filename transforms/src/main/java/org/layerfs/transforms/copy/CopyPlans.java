package org.layerfs.transforms.copy;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Digest;
import org.layerfs.io.source.ImageFailure;

/**
 * Every image a set of requests asks for, planned before the pipeline starts: {@link #toCopy()}
 * the images to copy, {@link #settled()} the outcomes already known (the images a sync found in
 * step, those that could not be planned). Planning reads manifests and compares tags, little work
 * beside the blobs; done first, it lets a sync that has nothing to do end without a pipeline.
 */
public record CopyPlans(ImmutableList<CopyPlan> toCopy, ImmutableList<CopyOutcome> settled) {
  /** Plans {@code requests} in order, reading sources and destinations through {@code stores}. */
  public static CopyPlans plan(List<CopyRequest> requests, OpenStores stores) {
    ImmutableList.Builder<CopyPlan> toCopy = ImmutableList.builder();
    ImmutableList.Builder<CopyOutcome> settled = ImmutableList.builder();
    for (CopyRequest request : requests) {
      try {
        CopyPlanner.Plans planned = new CopyPlanner(stores.source(request.source(), request.sourceRegistry())).plan(request);
        for (ImageFailure f : planned.failures()) {
          settled.add(CopyOutcome.failed(f.image(), f.message()));
        }
        ImageDestination destination = stores.destination(request.destination(), request.destinationRegistry());
        for (CopyPlan plan : planned.plans()) {
          Optional<String> skip = request.onlyChanged() ? upToDate(plan, destination) : Optional.empty();
          if (skip.isPresent()) {
            settled.add(CopyOutcome.skipped(plan, skip.get()));
          } else {
            toCopy.add(plan);
          }
        }
      } catch (IOException e) {
        settled.add(CopyOutcome.failed(request.source().toString(), e.getMessage()));
      }
    }
    return new CopyPlans(toCopy.build(), settled.build());
  }

  /**
   * Why a sync need not copy {@code plan}, if it need not: the destination tag already names the
   * manifest the source tag names. Tags are never assumed immutable: the digests are compared.
   */
  private static Optional<String> upToDate(CopyPlan plan, ImageDestination destination) throws IOException {
    Optional<Digest> there = destination.tagDigest(plan.destinationTag());
    return there.equals(Optional.of(plan.root().digest()))
        ? Optional.of("up to date: " + plan.target() + " is " + plan.root().digest())
        : Optional.empty();
  }
}
