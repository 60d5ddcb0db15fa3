package org.layerfs.io.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;

/**
 * Authentication with one registry: anonymous until the registry challenges, then basic
 * credentials or bearer tokens fetched from the challenge's realm (with the credentials, when the
 * auth files have some) and cached per scope until they expire. Thread-safe.
 */
final class RegistryAuth {
  /** Tokens are renewed this long before they expire, so none runs out in flight. */
  private static final long EXPIRY_MARGIN_SECONDS = 10;
  /** The lifetime the token specification gives a token that states none. */
  private static final long DEFAULT_TOKEN_SECONDS = 60;
  /** Tokens are a few kilobytes; a larger answer is not one. */
  private static final int MAX_TOKEN_ANSWER = 1 << 20;

  private final String registry;
  private final RegistryConfig config;
  /** Token requests go to the realm as they are: no scheme choice, no redirects, no auth layer. */
  private final RegistryTransport http;
  private final AuthFiles authFiles;
  private final Clock clock;
  private final Map<String, Optional<Credentials>> credentials = new ConcurrentHashMap<>();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private volatile Optional<AuthChallenge> challenge = Optional.empty();

  private record Token(String value, Instant renewAfter) {}

  RegistryAuth(String registry, RegistryConfig config, RegistryTransport http, Clock clock) {
    this.registry = registry;
    this.config = config;
    this.http = http;
    this.authFiles = new AuthFiles(config.authFiles());
    this.clock = clock;
  }

  /**
   * The {@code Authorization} header for a request about {@code repository} needing {@code
   * scopes}, once the registry has said which scheme it wants; empty before (anonymous first).
   */
  Optional<String> authorization(String repository, ImmutableList<String> scopes) throws IOException {
    Optional<AuthChallenge> c = challenge;
    if (c.isEmpty()) {
      return Optional.empty();
    }
    if (c.get().isBasic()) {
      return credentials(repository).map(Credentials::basicAuthorization);
    }
    String key = String.join(" ", scopes);
    Token token = tokens.get(key);
    if (token == null || clock.instant().isAfter(token.renewAfter())) {
      token = fetchToken(c.get(), repository, scopes);
      tokens.put(key, token);
    }
    return Optional.of("Bearer " + token.value());
  }

  /**
   * Takes in a 401's challenge. Returns true when a new attempt carries new authorization (a
   * fresh token, or credentials where there were none), false when it would be refused again.
   */
  boolean respondTo(
      Optional<AuthChallenge> received, String repository, ImmutableList<String> scopes, boolean sentAuthorization)
      throws IOException {
    if (received.isEmpty()) {
      return false;
    }
    AuthChallenge c = received.get();
    challenge = received;
    if (c.isBasic()) {
      return !sentAuthorization && credentials(repository).isPresent();
    }
    if (!c.isBearer()) {
      return false;
    }
    // The scope the registry names may differ from ours (a mount also needs pull on its source).
    ImmutableSet.Builder<String> wanted = ImmutableSet.<String>builder().addAll(scopes);
    c.param("scope").ifPresent(s -> wanted.add(s.split(" ")));
    tokens.put(String.join(" ", scopes), fetchToken(c, repository, wanted.build().asList()));
    return true;
  }

  private Optional<Credentials> credentials(String repository) throws IOException {
    Optional<Credentials> known = credentials.get(repository);
    if (known == null) {
      known = authFiles.lookup(registry, repository);
      credentials.put(repository, known);
    }
    return known;
  }

  private Token fetchToken(AuthChallenge c, String repository, ImmutableList<String> scopes) throws IOException {
    String what = "registry " + registry + ", repository " + repository + ", token request";
    String realm = c.param("realm").orElseThrow(() -> new RegistryException(
        what + ": the Bearer challenge names no realm", OptionalInt.empty(), false, Optional.empty(), null));
    URI uri = realmUri(realm, what);
    Optional<Credentials> creds = credentials(repository);
    if (creds.isPresent() && config.tlsVerify() && !"https".equals(uri.getScheme())) {
      throw new RegistryException(
          what + ": refusing to send credentials to a realm that is not https (" + uri.getHost() + ")",
          OptionalInt.empty(), false, Optional.empty(), null);
    }
    StringBuilder query = new StringBuilder();
    c.param("service").ifPresent(s -> query.append("&service=").append(encode(s)));
    scopes.forEach(s -> query.append("&scope=").append(encode(s)));
    String sep = uri.getRawQuery() == null ? "?" : "&";
    URI tokenUri = URI.create(realm + (query.length() == 0 ? "" : sep + query.substring(1)));
    HttpRequest.Builder request = HttpRequest.newBuilder(tokenUri).GET();
    creds.ifPresent(k -> request.header("Authorization", k.basicAuthorization()));
    HttpResponse<InputStream> response =
        http.send(new RegistryRequest(request.build(), repository, scopes, what + " to " + uri.getHost()));
    byte[] answer;
    try (InputStream in = response.body()) {
      answer = in.readNBytes(MAX_TOKEN_ANSWER);
    } catch (IOException e) {
      throw new RegistryException(what + " to " + uri.getHost() + ": reading the answer: " + e,
          OptionalInt.of(response.statusCode()), true, Optional.empty(), e);
    }
    int status = response.statusCode();
    if (status != 200) {
      boolean transientStatus = RegistryCaller.isTransient(status);
      throw new RegistryException(
          what + " to " + uri.getHost() + ": " + RegistryCaller.statusText(status)
              + (creds.isPresent() ? " (with the credentials for user " + creds.get().username() + ")" : " (anonymous)"),
          OptionalInt.of(status), transientStatus, Optional.empty(), null);
    }
    JsonNode body;
    try {
      body = ImageJson.tree(answer, what);
    } catch (ImageFormatException e) {
      throw new ImageFormatException(what + ": the answer is not JSON");
    }
    String token = body.path("token").asText(body.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw new ImageFormatException(what + ": the answer holds no token");
    }
    long seconds = body.path("expires_in").asLong(DEFAULT_TOKEN_SECONDS);
    return new Token(token, clock.instant().plusSeconds(Math.max(0, seconds - EXPIRY_MARGIN_SECONDS)));
  }

  /** The realm as an absolute http(s) URI; a registry's answer is checked, not trusted. */
  private static URI realmUri(String realm, String what) throws RegistryException {
    try {
      URI uri = new URI(realm);
      if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below, with the rest
    }
    throw new RegistryException(
        what + ": the Bearer challenge's realm \"" + realm + "\" is not an http(s) URI",
        OptionalInt.empty(), false, Optional.empty(), null);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
