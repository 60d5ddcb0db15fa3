package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Base64;

/** A user name and password for one registry; {@link #toString} never shows the password. */
public final class Credentials {
  private final String username;
  private final String password;

  private Credentials(String username, String password) {
    this.username = username;
    this.password = password;
  }

  public static Credentials of(String username, String password) {
    return new Credentials(username, password);
  }

  public String username() {
    return username;
  }

  /** The value of an {@code Authorization: Basic} header. */
  String basicAuthorization() {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(UTF_8));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Credentials c && c.username.equals(username) && c.password.equals(password);
  }

  @Override
  public int hashCode() {
    return username.hashCode();
  }

  @Override
  public String toString() {
    return "Credentials{username=" + username + ", password=<redacted>}";
  }
}
