package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** Keeps the pull budget the registry's latest answer stated ({@link RateLimit}), for a run to plan by. */
final class RateLimitTransport implements RegistryTransport {
  private final RegistryTransport next;
  private final AtomicReference<RateLimit> latest = new AtomicReference<>();

  RateLimitTransport(RegistryTransport next) {
    this.next = next;
  }

  @Override
  public HttpResponse<InputStream> send(RegistryRequest request) throws IOException {
    HttpResponse<InputStream> response = next.send(request);
    RateLimit.of(response.headers()).ifPresent(latest::set);
    return response;
  }

  Optional<RateLimit> latest() {
    return Optional.ofNullable(latest.get());
  }
}
