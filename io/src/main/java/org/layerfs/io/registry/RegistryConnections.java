package org.layerfs.io.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the registry clients of one run share below authentication: one HTTP client (its
 * connection pool, selector thread and workers) per configuration, and one choice of HTTPS or
 * plain HTTP per registry. A client per repository made each of these anew: in a 48-tag mirror
 * of 6 repositories, 42 HTTP clients, a TLS probe and a new connection for each (README,
 * Mirroring over a wide-area link). Thread-safe; closed when the run is done with every client.
 */
public final class RegistryConnections implements AutoCloseable {
  /** equals and hashCode written out: a record's own are made through method handles on first use (see OpenStores). */
  private record Key(String registry, RegistryConfig config) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && registry.equals(k.registry) && config.equals(k.config);
    }

    @Override
    public int hashCode() {
      return 31 * registry.hashCode() + config.hashCode();
    }
  }

  private final Map<RegistryConfig, HttpTransport> http = new ConcurrentHashMap<>();
  private final Map<Key, SchemeTransport> schemes = new ConcurrentHashMap<>();

  /** The HTTP client of {@code config}'s clients. */
  RegistryTransport http(RegistryConfig config) {
    return http.computeIfAbsent(config, HttpTransport::create);
  }

  /** The registry's own requests: HTTPS or plain HTTP as chosen once for it, over {@link #http}. */
  RegistryTransport scheme(String registry, RegistryConfig config) {
    return schemes.computeIfAbsent(new Key(registry, config), k -> new SchemeTransport(registry, config, http(config)));
  }

  /** Stops the HTTP clients' threads, so that none holds the JVM's exit; the clients are not used after. */
  @Override
  public void close() {
    http.values().forEach(HttpTransport::shutdown);
    http.clear();
    schemes.clear();
  }
}
