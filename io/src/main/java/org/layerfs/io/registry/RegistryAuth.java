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
 * {@link CredentialStore} has some: a password by basic auth, an identity token by an OAuth2
 * refresh-token grant) and cached per scope until they expire or the registry refuses them.
 * Thread-safe.
 */
final class RegistryAuth {
  /** Tokens are renewed this long before they expire, so none runs out in flight. */
  private static final long EXPIRY_MARGIN_SECONDS = 10;
  /** The lifetime the token specification gives a token that states none. */
  private static final long DEFAULT_TOKEN_SECONDS = 60;
  /** Tokens are a few kilobytes; a larger answer is not one. */
  private static final int MAX_TOKEN_ANSWER = 1 << 20;

  /** The {@code client_id} of refresh-token grants: who asks, as docker says "docker". */
  private static final String CLIENT_ID = "layerfs";

  private final String registry;
  private final RegistryConfig config;
  /** Token requests go to the realm as they are: no scheme choice, no redirects, no auth layer. */
  private final RegistryTransport http;
  private final CredentialStore credentialStore;
  private final Clock clock;
  private final Map<String, Optional<Credentials>> credentials = new ConcurrentHashMap<>();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private volatile Optional<AuthChallenge> challenge = Optional.empty();

  private record Token(String value, Instant renewAfter) {}

  RegistryAuth(
      String registry, RegistryConfig config, CredentialStore credentialStore, RegistryTransport http, Clock clock) {
    this.registry = registry;
    this.config = config;
    this.http = http;
    this.credentialStore = credentialStore;
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
      return basicCredentials(repository).map(Credentials::basicAuthorization);
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
      return !sentAuthorization && basicCredentials(repository).isPresent();
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
      known = credentialStore.lookup(registry, repository);
      credentials.put(repository, known);
    }
    return known;
  }

  /** The credentials for basic auth; an identity token alone is no password to send. */
  private Optional<Credentials> basicCredentials(String repository) throws IOException {
    Optional<Credentials> creds = credentials(repository);
    if (creds.isPresent() && creds.get().identityToken().isPresent() && !creds.get().hasPassword()) {
      throw new RegistryException(
          "registry " + registry + ", repository " + repository
              + ": the registry asks for a password (Basic auth) but its credentials hold only an identity token",
          OptionalInt.empty(), false, Optional.empty(), null);
    }
    return creds;
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
    Optional<String> refreshToken = creds.flatMap(Credentials::identityToken);
    HttpRequest.Builder request = refreshToken.isPresent()
        ? refreshTokenGrant(uri, c, scopes, refreshToken.get())
        : tokenGet(realm, uri, c, scopes, creds);
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
          what + " to " + uri.getHost() + ": " + RegistryCaller.statusText(status) + " (" + presented(creds) + ")",
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

  /** A GET of the realm, with basic auth when there are credentials (the token specification's way). */
  private static HttpRequest.Builder tokenGet(
      String realm, URI uri, AuthChallenge c, ImmutableList<String> scopes, Optional<Credentials> creds) {
    StringBuilder query = new StringBuilder();
    c.param("service").ifPresent(s -> query.append("&service=").append(encode(s)));
    scopes.forEach(s -> query.append("&scope=").append(encode(s)));
    String sep = uri.getRawQuery() == null ? "?" : "&";
    URI tokenUri = URI.create(realm + (query.length() == 0 ? "" : sep + query.substring(1)));
    HttpRequest.Builder request = HttpRequest.newBuilder(tokenUri).GET();
    creds.ifPresent(k -> request.header("Authorization", k.basicAuthorization()));
    return request;
  }

  /** An OAuth2 refresh-token grant POSTed to the realm, as docker sends an identity token. */
  private static HttpRequest.Builder refreshTokenGrant(
      URI uri, AuthChallenge c, ImmutableList<String> scopes, String refreshToken) {
    StringBuilder form = new StringBuilder("grant_type=refresh_token&refresh_token=").append(encode(refreshToken));
    c.param("service").ifPresent(s -> form.append("&service=").append(encode(s)));
    form.append("&scope=").append(encode(String.join(" ", scopes)));
    form.append("&client_id=").append(CLIENT_ID);
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
  }

  /** What a token request presented, for its failure message: never the secret. */
  private static String presented(Optional<Credentials> creds) {
    if (creds.isEmpty()) {
      return "anonymous";
    }
    return creds.get().identityToken().isPresent()
        ? "with an identity token"
        : "with the credentials for user " + creds.get().username();
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
