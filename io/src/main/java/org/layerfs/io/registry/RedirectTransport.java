package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Follows the redirects of reads (GET, HEAD), as registries send blobs to storage elsewhere; a
 * write's redirect is the registry's answer and goes back to the caller. Credentials are the
 * layer below's: it gives them to the registry's own host only.
 */
final class RedirectTransport implements RegistryTransport {
  private static final int MAX_REDIRECTS = 5;

  private final RegistryTransport next;

  RedirectTransport(RegistryTransport next) {
    this.next = next;
  }

  @Override
  public HttpResponse<InputStream> send(RegistryRequest request) throws IOException {
    String method = request.http().method();
    boolean read = method.equals("GET") || method.equals("HEAD");
    for (int redirects = 0; ; redirects++) {
      HttpResponse<InputStream> response = next.send(request);
      Optional<String> location = response.headers().firstValue("Location");
      if (response.statusCode() / 100 != 3 || !read || location.isEmpty() || redirects >= MAX_REDIRECTS) {
        return response;
      }
      RegistryTransport.discard(response);
      URI from = response.uri();
      request = request.to(from.resolve(location.get()));
    }
  }
}
