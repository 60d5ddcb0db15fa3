package org.layerfs.io.registry;

import java.net.http.HttpHeaders;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry's pull budget as its answers state it: Docker Hub's {@code RateLimit-Limit:
 * 100;w=21600} and {@code RateLimit-Remaining: 76;w=21600} (pulls allowed, and left, in a window
 * of {@code w} seconds). Docker Hub counts a manifest GET as a pull, never a HEAD.
 */
public record RateLimit(long limit, long remaining, OptionalLong windowSeconds) {
  private static final Pattern VALUE = Pattern.compile("\\s*(\\d+)\\s*(?:;\\s*w\\s*=\\s*(\\d+))?.*");

  /** The budget {@code headers} state; empty when they state none, or not in this form. */
  public static Optional<RateLimit> of(HttpHeaders headers) {
    Optional<String> limit = headers.firstValue("RateLimit-Limit");
    Optional<String> remaining = headers.firstValue("RateLimit-Remaining");
    if (limit.isEmpty() || remaining.isEmpty()) {
      return Optional.empty();
    }
    Matcher l = VALUE.matcher(limit.get());
    Matcher r = VALUE.matcher(remaining.get());
    if (!l.matches() || !r.matches()) {
      return Optional.empty();
    }
    String window = l.group(2) != null ? l.group(2) : r.group(2);
    return Optional.of(new RateLimit(Long.parseLong(l.group(1)), Long.parseLong(r.group(1)),
        window == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(window))));
  }

  @Override
  public String toString() {
    return remaining + " of " + limit + " pulls left" + (windowSeconds.isPresent() ? " in its " + windowSeconds.getAsLong() + " s window" : "");
  }
}
