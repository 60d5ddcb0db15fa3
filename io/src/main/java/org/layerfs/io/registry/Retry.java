package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one retry policy of a registry client: transient failures ({@link
 * RegistryException#isTransient}) are tried again up to {@link RegistryConfig#maxAttempts} times
 * in all, after {@code Retry-After} when the registry says, else after an exponential backoff
 * with jitter. Applied once around each unit of work, never nested, so a request is sent at most
 * {@code maxAttempts} times.
 */
final class Retry {
  private final String registry;
  private final RegistryConfig config;

  /** One try of a unit of work; {@code attempt} counts from 1. */
  interface Attempt<T> {
    T run(int attempt) throws IOException;
  }

  Retry(String registry, RegistryConfig config) {
    this.registry = registry;
    this.config = config;
  }

  int maxAttempts() {
    return config.maxAttempts();
  }

  /** Runs {@code attempt} until it succeeds, fails permanently, or has used every attempt. */
  <T> T run(Attempt<T> attempt) throws IOException {
    for (int n = 1; ; n++) {
      try {
        return attempt.run(n);
      } catch (RegistryException e) {
        if (!e.isTransient()) {
          throw e;
        }
        if (n >= config.maxAttempts()) {
          throw new RegistryException(
              e.getMessage() + " (gave up after " + n + " attempts)", e.status(), true, Optional.empty(), e);
        }
        pause(n, e.retryAfter());
      }
    }
  }

  /** Waits before retry number {@code failures}: {@code Retry-After} when given, else backoff. */
  void pause(int failures, Optional<Duration> retryAfter) throws InterruptedIOException {
    Duration wait;
    if (retryAfter.isPresent()) {
      wait = retryAfter.get().compareTo(config.maxRetryAfter()) > 0 ? config.maxRetryAfter() : retryAfter.get();
    } else {
      long max = config.maxBackoff().toMillis();
      long exp = config.initialBackoff().toMillis() << Math.min(failures - 1, 20);
      long capped = Math.min(exp, max);
      // Jitter keeps many workers that failed together from retrying together.
      wait = Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("registry " + registry + ": interrupted while waiting to retry");
    }
  }
}
