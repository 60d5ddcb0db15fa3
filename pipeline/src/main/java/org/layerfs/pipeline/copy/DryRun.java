package org.layerfs.pipeline.copy;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.model.Descriptor;
import org.layerfs.pipeline.run.Sizes;
import org.layerfs.transforms.copy.CopyOutcome;
import org.layerfs.transforms.copy.CopyPlan;
import org.layerfs.transforms.copy.CopyPlans;
import org.layerfs.transforms.copy.CopyRequest;
import org.layerfs.transforms.copy.OpenStores;

/**
 * {@code --dry-run}: plans as the job would and prints what it would change, one line each,
 * reading source and destination only (a destination that does not exist yet stays so).
 */
final class DryRun {
  private DryRun() {}

  /** Prints the changes; returns 1 when some image could not be planned, 0 otherwise. */
  static int print(String command, List<CopyRequest> requests, boolean prune, PrintStream out, PrintStream err) {
    int failures = 0;
    try (OpenStores stores = new OpenStores()) {
      CopyPlans planned = CopyPlans.plan(requests, stores);
      for (CopyOutcome o : planned.settled()) {
        if (o.isFailed()) {
          err.println("failed: " + o.image() + ": " + o.reason().orElse(""));
          failures++;
        } else {
          out.println(o.reason().orElse("up to date: " + o.image()));
        }
      }
      for (CopyPlan plan : planned.toCopy()) {
        ImageDestination destination = stores.destination(plan.destination(), plan.destinationRegistry());
        int missing = 0;
        long bytes = 0;
        for (Descriptor blob : plan.blobs()) {
          if (!destination.hasBlob(blob)) {
            missing++;
            bytes += blob.size();
          }
        }
        String referrer = plan.referrerOf().map(s -> "referrer of " + s.digest() + ", ").orElse(plan.isReferrer() ? "legacy cosign tag, " : "");
        out.printf("would %s: %s -> %s (%s%s, %d of %d blobs missing, %s)%n",
            command, plan.image(), plan.target(), referrer, plan.root().digest(), missing, plan.blobs().size(), Sizes.human(bytes));
      }
      long referrers = planned.toCopy().stream().filter(CopyPlan::isReferrer).count();
      out.printf("would %s: %d images, %d referrers%n", command, planned.toCopy().size() - referrers, referrers);
      if (prune) {
        for (CopyRequest request : requests) {
          for (String tag : Pruning.candidates(request, planned.listedTags())) {
            out.println("would remove: " + request.destination().withTag(tag));
          }
        }
      }
    } catch (IOException e) {
      err.println("failed: " + e.getMessage());
      failures++;
    }
    out.println("dry run: nothing was changed");
    return failures > 0 ? 1 : 0;
  }
}
