package org.layerfs.io.registry;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How layerfs talks to registries: TLS, where credentials come from, retries and upload sizes.
 * Immutable and serializable, so pipeline workers can carry it.
 */
@AutoValue
@SerializableAutoValue
public abstract class RegistryConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link #idleTimeout}'s default. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(20);

  /**
   * False is {@code --tls-verify=false}: HTTPS certificates are not checked, and plain HTTP is
   * used only when no TLS connection to the registry can be made (HTTPS is tried first).
   * Loopback registries get no exception.
   */
  public abstract boolean tlsVerify();

  /**
   * The auth files consulted in order (docker's {@code config.json} format: {@code credHelpers},
   * {@code auths}, {@code credsStore}); the first with credentials for a registry wins. A file
   * that does not exist is skipped.
   */
  public abstract ImmutableList<String> authFiles();

  /** Attempts per request before a transient failure (I/O error, 5xx, 429) is final. */
  public abstract int maxAttempts();

  /** The wait before the first retry; it doubles after each failure up to {@link #maxBackoff}. */
  public abstract Duration initialBackoff();

  public abstract Duration maxBackoff();

  /** The longest {@code Retry-After} of a 429 or 503 that is honoured; longer ones are cut to it. */
  public abstract Duration maxRetryAfter();

  /**
   * How long to wait for a connection and for the response headers of one request; for reads
   * (GET, HEAD), the {@link #idleTimeout} when that is shorter; for a streamed upload, counted
   * from its last byte.
   */
  public abstract Duration timeout();

  /**
   * How long a response body may send nothing before the transfer counts as broken (and is
   * resumed or retried like a reset connection); a read's wait for the headers counts too, and a
   * streamed upload the registry takes nothing of. The default of 20 s lets a blob that stalls at
   * every attempt fail within two minutes, retries and backoff included.
   */
  public abstract Duration idleTimeout();

  /**
   * Blobs of at least this many bytes are streamed from their source in a PATCH, which continues
   * after a failure; smaller ones are held in memory and sent in one PUT.
   */
  public abstract long streamedUploadThreshold();

  /** The {@code n} asked for per page of a tag listing; empty lets the registry choose. */
  public abstract Optional<Integer> tagPageSize();

  /**
   * The defaults: TLS verified, credentials from {@code $REGISTRY_AUTH_FILE} then docker's
   * config ({@code $DOCKER_CONFIG/config.json} or {@code $HOME/.docker/config.json}).
   */
  public static RegistryConfig defaults() {
    return builder().build();
  }

  /** A builder holding the defaults of {@link #defaults()}. */
  public static Builder builder() {
    return new AutoValue_RegistryConfig.Builder()
        .setTlsVerify(true)
        .setAuthFiles(defaultAuthFiles(System.getenv(), System.getProperty("user.home")))
        .setMaxAttempts(5)
        .setInitialBackoff(Duration.ofMillis(500))
        .setMaxBackoff(Duration.ofSeconds(15))
        .setMaxRetryAfter(Duration.ofSeconds(60))
        .setTimeout(Duration.ofSeconds(60))
        .setIdleTimeout(DEFAULT_IDLE_TIMEOUT)
        .setStreamedUploadThreshold(16L << 20);
  }

  /**
   * {@code $REGISTRY_AUTH_FILE} when set (it takes precedence, as in skopeo), then docker's config
   * where docker finds it: {@code $DOCKER_CONFIG/config.json}, else {@code $HOME/.docker/config.json}
   * ({@code userHome}, Java's idea of home from the password file, only when {@code HOME} is unset).
   */
  static ImmutableList<String> defaultAuthFiles(Map<String, String> env, String userHome) {
    ImmutableList.Builder<String> files = ImmutableList.builder();
    String authFile = env.getOrDefault("REGISTRY_AUTH_FILE", "");
    if (!authFile.isEmpty()) {
      files.add(authFile);
    }
    String dockerConfig = env.getOrDefault("DOCKER_CONFIG", "");
    Path dir = !dockerConfig.isEmpty()
        ? Path.of(dockerConfig)
        : Path.of(env.getOrDefault("HOME", "").isEmpty() ? userHome : env.get("HOME"), ".docker");
    return files.add(dir.resolve("config.json").toString()).build();
  }

  public abstract Builder toBuilder();

  /** This configuration with {@code --tls-verify} set. */
  public RegistryConfig withTlsVerify(boolean tlsVerify) {
    return toBuilder().setTlsVerify(tlsVerify).build();
  }

  /** This configuration with {@code --idle-timeout} set. */
  public RegistryConfig withIdleTimeout(Duration idleTimeout) {
    return toBuilder().setIdleTimeout(idleTimeout).build();
  }

  /** This configuration reading credentials from {@code authFile} only ({@code --authfile}). */
  public RegistryConfig withAuthFile(Path authFile) {
    return toBuilder().setAuthFiles(ImmutableList.of(authFile.toString())).build();
  }

  /** Builds a {@link RegistryConfig}; {@link #build} checks the numbers. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setTlsVerify(boolean tlsVerify);

    public abstract Builder setAuthFiles(ImmutableList<String> authFiles);

    public abstract Builder setMaxAttempts(int maxAttempts);

    public abstract Builder setInitialBackoff(Duration initialBackoff);

    public abstract Builder setMaxBackoff(Duration maxBackoff);

    public abstract Builder setMaxRetryAfter(Duration maxRetryAfter);

    public abstract Builder setTimeout(Duration timeout);

    public abstract Builder setIdleTimeout(Duration idleTimeout);

    public abstract Builder setStreamedUploadThreshold(long streamedUploadThreshold);

    public abstract Builder setTagPageSize(Integer tagPageSize);

    abstract RegistryConfig autoBuild();

    public RegistryConfig build() {
      RegistryConfig c = autoBuild();
      checkArgument(c.maxAttempts() >= 1, "maxAttempts must be at least 1, not %s", c.maxAttempts());
      checkArgument(
          !c.idleTimeout().isNegative() && !c.idleTimeout().isZero(),
          "idleTimeout must be positive, not %s", c.idleTimeout());
      checkArgument(
          c.streamedUploadThreshold() >= 1,
          "streamedUploadThreshold must be positive, not %s",
          c.streamedUploadThreshold());
      checkArgument(
          c.tagPageSize().orElse(1) >= 1, "tagPageSize must be positive, not %s", c.tagPageSize());
      return c;
    }
  }
}
