package org.layerfs.pipeline.copy;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.layerfs.io.dest.ImageDestination;
import org.layerfs.io.dest.TagRemoval;
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
      Map<CopyPlan, String> keptAtSource = "move".equals(command) ? keptAtSource(planned.toCopy(), stores) : Map.of();
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
        String kept = keptAtSource.get(plan);
        String referrer = plan.referrerOf().map(s -> "referrer of " + s.digest() + ", ").orElse(plan.isReferrer() ? "legacy cosign tag, " : "");
        // A move whose source tag must stay (its manifest is another tag's too) is a copy.
        out.printf("would %s: %s -> %s (%s%s, %d of %d blobs missing, %s)%n", kept == null ? command : "copy",
            plan.image(), plan.target(), referrer, plan.root().digest(), missing, plan.blobs().size(), Sizes.human(bytes));
        if (kept != null) {
          out.println("would keep: " + plan.image() + ": " + kept);
        }
      }
      long referrers = planned.toCopy().stream().filter(CopyPlan::isReferrer).count();
      out.printf("planned: %d images, %d referrers%n", planned.toCopy().size() - referrers, referrers);
      if (prune) {
        Pruning.Outcome pruning = Pruning.run(requests, planned, stores, true, err);
        pruning.pruned().forEach(r -> out.println("would remove: " + r));
        pruning.referrers().forEach(r -> out.println("would remove referrer: " + r));
        pruning.kept().forEach((r, why) -> out.println("would keep: " + r + ": " + why));
        failures += pruning.failed() ? 1 : 0;
      }
    } catch (IOException e) {
      err.println("failed: " + e.getMessage());
      failures++;
    }
    out.println("dry run: nothing was changed");
    return failures > 0 ? 1 : 0;
  }

  /**
   * The plans whose source tag a move would keep, with the reason: the tags of each source store
   * are removed together, as {@code RemoveFromSource} does once they are copied.
   */
  private static Map<CopyPlan, String> keptAtSource(List<CopyPlan> plans, OpenStores stores) throws IOException {
    Map<String, List<CopyPlan>> bySource = new LinkedHashMap<>();
    plans.forEach(p -> bySource.computeIfAbsent(p.source().toString(), s -> new ArrayList<>()).add(p));
    Map<CopyPlan, String> kept = new HashMap<>();
    for (List<CopyPlan> group : bySource.values()) {
      Set<String> tags = new LinkedHashSet<>();
      group.forEach(p -> tags.add(p.sourceTag()));
      tags.remove("");
      CopyPlan first = group.get(0);
      TagRemoval removal = stores.destination(first.source(), first.sourceRegistry()).planTagRemoval(tags);
      for (CopyPlan plan : group) {
        String why = removal.kept().get(plan.sourceTag());
        if (why != null) {
          kept.put(plan, why);
        }
      }
    }
    return kept;
  }
}
