package org.layerfs.io.registry;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A registry request that failed. The message names registry, repository, operation and status,
 * never a credential or token.
 */
public final class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;

  private final OptionalInt status;
  private final boolean transient_;
  private final transient Optional<Duration> retryAfter;

  RegistryException(String message, OptionalInt status, boolean isTransient, Optional<Duration> retryAfter, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.transient_ = isTransient;
    this.retryAfter = retryAfter;
  }

  /** The HTTP status the registry answered, empty when it answered nothing (I/O failure). */
  public OptionalInt status() {
    return status;
  }

  /** True when trying again later may succeed: an I/O failure, a 5xx or a 429. */
  public boolean isTransient() {
    return transient_;
  }

  /** True for a 404: the manifest, blob, repository or upload is not there. */
  public boolean isNotFound() {
    return status.equals(OptionalInt.of(404));
  }

  /** How long the registry asked to wait before the next attempt ({@code Retry-After}). */
  Optional<Duration> retryAfter() {
    return retryAfter == null ? Optional.empty() : retryAfter;
  }
}
