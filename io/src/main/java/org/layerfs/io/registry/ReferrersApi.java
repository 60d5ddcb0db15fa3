package org.layerfs.io.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which registries answer the OCI 1.1 referrers API, learnt from each one's first answer and
 * remembered for the rest of the run, so that a registry without it is asked once, not per
 * image. One per run, beside its {@link DocumentCache}: the run's sources and destinations share it.
 */
public final class ReferrersApi {
  /** Registry ({@code HOST[:PORT]}) → whether its referrers API answered. */
  private final Map<String, Boolean> answered = new ConcurrentHashMap<>();

  /** False once {@code registry} has answered that it has no referrers API; true until it is asked. */
  boolean mayHave(String registry) {
    return answered.getOrDefault(registry, true);
  }

  void learnt(String registry, boolean has) {
    answered.put(registry, has);
  }
}
