package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Authenticates requests to the registry's own host (never to a redirect's other host): sends
 * what {@link RegistryAuth} holds for the request's scopes, and answers one {@code 401}
 * challenge by sending the request again with new authorization.
 */
final class AuthTransport implements RegistryTransport {
  private final String registry;
  private final RegistryAuth auth;
  private final RegistryTransport next;

  AuthTransport(String registry, RegistryAuth auth, RegistryTransport next) {
    this.registry = registry;
    this.auth = auth;
    this.next = next;
  }

  @Override
  public HttpResponse<InputStream> send(RegistryRequest request) throws IOException {
    if (!registry.equalsIgnoreCase(request.http().uri().getRawAuthority())) {
      return next.send(request);
    }
    Optional<String> authorization = auth.authorization(request.repository(), request.scopes());
    HttpResponse<InputStream> response = next.send(authorization.map(request::authorized).orElse(request));
    if (response.statusCode() != 401) {
      return response;
    }
    Optional<AuthChallenge> challenge = AuthChallenge.choose(response.headers().allValues("WWW-Authenticate"));
    boolean answered;
    try {
      answered = auth.respondTo(challenge, request.repository(), request.scopes(), authorization.isPresent());
    } catch (IOException | RuntimeException e) {
      RegistryTransport.discard(response);
      throw e;
    }
    if (!answered) {
      return response; // refused again if sent again: the caller reports the 401
    }
    RegistryTransport.discard(response);
    authorization = auth.authorization(request.repository(), request.scopes());
    return next.send(authorization.map(request::authorized).orElse(request));
  }
}
