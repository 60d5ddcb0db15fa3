package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Picks HTTPS or plain HTTP for the registry's own host. Operations address the registry as
 * {@code https://HOST}; with TLS verified that is what they get. Unverified ({@code
 * --tls-verify=false}), HTTPS is still tried first and plain HTTP used only when no TLS
 * connection can be made, as skopeo and Docker do, so a registry that speaks TLS never gets
 * credentials in clear because its port 80 also answers. The choice is made once per registry
 * and run ({@link RegistryConnections}), by the first request that needs it.
 */
final class SchemeTransport implements RegistryTransport {
  private final String registry;
  private final boolean tlsVerify;
  private final Duration timeout;
  private final RegistryTransport next;
  private volatile Optional<Boolean> plain = Optional.empty();

  SchemeTransport(String registry, RegistryConfig config, RegistryTransport next) {
    this.registry = registry;
    this.tlsVerify = config.tlsVerify();
    this.timeout = config.timeout();
    this.next = next;
  }

  @Override
  public HttpResponse<InputStream> send(RegistryRequest request) throws IOException {
    URI uri = request.http().uri();
    boolean ownHttps = "https".equals(uri.getScheme()) && registry.equalsIgnoreCase(uri.getRawAuthority());
    if (ownHttps && plain()) {
      return next.send(request.to(URI.create("http" + uri.toString().substring("https".length()))));
    }
    return next.send(request);
  }

  private boolean plain() throws IOException {
    Optional<Boolean> known = plain;
    return known.isPresent() ? known.get() : probe();
  }

  /** Probes once, however many requests arrive together before the answer. */
  private synchronized boolean probe() throws IOException {
    Optional<Boolean> known = plain;
    if (known.isEmpty()) {
      URI https = URI.create("https://" + registry);
      known = Optional.of(!tlsVerify && !TlsProbe.handshakes(https.getHost(), https.getPort() < 0 ? 443 : https.getPort(), timeout));
      plain = known;
    }
    return known.get();
  }
}
