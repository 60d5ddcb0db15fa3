package org.layerfs.transforms.copy;

import java.io.IOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Consumer;
import org.layerfs.io.registry.RateLimit;
import org.layerfs.io.registry.RegistrySource;

/**
 * Weighs the manifests a run is about to fetch at a source registry against the pull budget the
 * registry stated while planning asked it with HEADs (which no budget counts), before any is
 * fetched: a run that would run out says so and stops, waits or goes ahead per its {@link
 * RateLimitPolicy}, instead of failing half-way with 429s.
 */
final class PullBudget {
  private final RateLimitPolicy policy;
  private final Consumer<String> say;

  PullBudget(RateLimitPolicy policy, Consumer<String> say) {
    this.policy = policy;
    this.say = say;
  }

  /**
   * Empty when {@code needed} manifest fetches at {@code registry} may go ahead (after waiting,
   * when the policy waits); else why they may not. {@code sources} are the registry's sources
   * planning asked; {@code probe} and {@code tag}, what to ask again while waiting.
   */
  Optional<String> admit(String registry, int needed, Collection<RegistrySource> sources, RegistrySource probe, String tag)
      throws IOException {
    if (policy.action() == RateLimitPolicy.Action.IGNORE) {
      return Optional.empty();
    }
    Optional<RateLimit> budget = lowest(sources);
    if (budget.isEmpty()) {
      // Nothing asked there yet (a destination without these tags): one HEAD tells. A HEAD
      // that fails leaves the budget unknown; the fetches themselves will say what is wrong.
      try {
        probe.head(tag);
      } catch (IOException e) {
        return Optional.empty();
      }
      budget = probe.rateLimit();
    }
    if (budget.isEmpty() || budget.get().remaining() >= needed) {
      return Optional.empty();
    }
    String state = "registry " + registry + " has " + budget.get() + "; this run would fetch at least " + needed + " manifests there";
    if (policy.action() == RateLimitPolicy.Action.STOP) {
      say.accept("layerfs: " + state + ": not fetching them (--rate-limit=stop; wait or ignore to go on)");
      return Optional.of(state + " (--rate-limit=stop)");
    }
    say.accept("layerfs: " + state + ": waiting until it has (--rate-limit=wait), asking every " + policy.poll().toSeconds() + " s");
    // A full budget is all there will ever be: a run that needs more starts then.
    while (budget.isPresent() && budget.get().remaining() < Math.min(needed, budget.get().limit())) {
      try {
        Thread.sleep(policy.poll().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the pull budget of " + registry, e);
      }
      probe.head(tag);
      budget = probe.rateLimit();
    }
    say.accept("layerfs: registry " + registry + " has " + budget.map(RateLimit::toString).orElse("no stated budget") + ": going on");
    return Optional.empty();
  }

  private static Optional<RateLimit> lowest(Collection<RegistrySource> sources) {
    return sources.stream().map(RegistrySource::rateLimit).flatMap(Optional::stream).min(Comparator.comparingLong(RateLimit::remaining));
  }
}
