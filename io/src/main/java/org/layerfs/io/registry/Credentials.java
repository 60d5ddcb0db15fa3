package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * What layerfs presents to one registry: a user name and password, or an identity token (an
 * OAuth2 refresh token, as {@code docker login} keeps for some registries), or both. {@link
 * #toString} never shows a secret.
 */
public final class Credentials {
  /** The user name a credential helper answers when its secret is an identity token. */
  static final String TOKEN_USERNAME = "<token>";

  private final String username;
  private final String password;
  private final Optional<String> identityToken;

  private Credentials(String username, String password, Optional<String> identityToken) {
    this.username = username;
    this.password = password;
    this.identityToken = identityToken;
  }

  public static Credentials of(String username, String password) {
    return new Credentials(username, password, Optional.empty());
  }

  /** These credentials with an identity token, which a token realm takes instead of the password. */
  Credentials withIdentityToken(String token) {
    return new Credentials(username, password, Optional.of(token));
  }

  public String username() {
    return username;
  }

  /** The refresh token to exchange at a token realm; when present it is used instead of the password there. */
  Optional<String> identityToken() {
    return identityToken;
  }

  /** True when there is a password for {@code Authorization: Basic}. */
  boolean hasPassword() {
    return !password.isEmpty();
  }

  /** The value of an {@code Authorization: Basic} header. */
  String basicAuthorization() {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(UTF_8));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Credentials c
        && c.username.equals(username)
        && c.password.equals(password)
        && c.identityToken.equals(identityToken);
  }

  @Override
  public int hashCode() {
    return Objects.hash(username);
  }

  @Override
  public String toString() {
    return "Credentials{username=" + username + ", password=<redacted>"
        + (identityToken.isPresent() ? ", identityToken=<redacted>" : "") + "}";
  }
}
