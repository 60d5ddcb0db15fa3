package org.layerfs.pipeline.copy;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.ImageDestinations;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.pipeline.run.Sizes;
import org.layerfs.transforms.copy.CopyPlan;
import org.layerfs.transforms.copy.CopyPlanner;
import org.layerfs.transforms.copy.CopyRequest;
import org.layerfs.transforms.copy.PlanCopies;

/**
 * {@code --dry-run}: plans as the job would and prints what it would change, one line each,
 * reading source and destination only (a destination that does not exist yet stays so).
 */
final class DryRun {
  private DryRun() {}

  /** Prints the changes; returns 1 when some image could not be planned, 0 otherwise. */
  static int print(String command, List<CopyRequest> requests, boolean prune, PrintStream out, PrintStream err) {
    int failures = 0;
    for (CopyRequest request : requests) {
      try (ImageSource source = ImageSources.open(request.source().store(), request.sourceRegistry());
          ImageDestination destination = ImageDestinations.open(request.destination(), request.destinationRegistry())) {
        CopyPlanner.Plans plans = new CopyPlanner(source).plan(request);
        for (ImageFailure f : plans.failures()) {
          err.println("failed: " + f.image() + ": " + f.message());
          failures++;
        }
        for (CopyPlan plan : plans.plans()) {
          Optional<String> upToDate = request.onlyChanged() ? PlanCopies.upToDate(plan, destination) : Optional.empty();
          if (upToDate.isPresent()) {
            out.println("up to date: " + plan.image() + " = " + plan.target());
            continue;
          }
          int missing = 0;
          long bytes = 0;
          for (Descriptor blob : plan.blobs()) {
            if (!destination.hasBlob(blob)) {
              missing++;
              bytes += blob.size();
            }
          }
          out.printf("would %s: %s -> %s (%s, %d of %d blobs missing, %s)%n",
              command, plan.image(), plan.target(), plan.root().digest(), missing, plan.blobs().size(), Sizes.human(bytes));
        }
        if (prune) {
          for (String tag : Pruning.candidates(request)) {
            out.println("would remove: " + request.destination().withTag(tag));
          }
        }
      } catch (IOException e) {
        err.println("failed: " + request.source() + ": " + e.getMessage());
        failures++;
      }
    }
    out.println("dry run: nothing was changed");
    return failures > 0 ? 1 : 0;
  }
}
