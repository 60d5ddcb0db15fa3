package org.layerfs.transforms.copy;

import java.time.Duration;
import java.util.Locale;

/**
 * What a run does when a source registry's pull budget ({@link org.layerfs.io.registry.RateLimit})
 * would run out before the manifests it is about to fetch: stop (those images fail, none is
 * fetched), wait until the budget covers them (asking with HEAD, which no budget counts), or go
 * ahead regardless.
 */
public record RateLimitPolicy(Action action, Duration poll) {
  /** The three answers of {@code --rate-limit}. */
  public enum Action {
    STOP,
    WAIT,
    IGNORE
  }

  /** How often a waiting run asks the registry again. */
  public static final Duration POLL = Duration.ofMinutes(1);

  public static RateLimitPolicy of(Action action) {
    return new RateLimitPolicy(action, POLL);
  }

  /** Parses {@code stop}, {@code wait} or {@code ignore}. */
  public static RateLimitPolicy parse(String text) {
    try {
      return of(Action.valueOf(text.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("want stop, wait or ignore, not \"" + text + "\"");
    }
  }
}
