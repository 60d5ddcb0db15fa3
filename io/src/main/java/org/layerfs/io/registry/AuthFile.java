package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;

/**
 * One auth file in the format of docker's {@code config.json} and containers-auth.json: {@code
 * auths} ({@code "HOST[/REPO]": {"auth": base64(user:password), "identitytoken": ...}}), {@code
 * credHelpers} ({@code "HOST": "NAME"}) and {@code credsStore} ({@code "NAME"}). Keys may carry a
 * scheme and a {@code /v1/} or {@code /v2/} suffix, as docker writes them. The file's content is
 * never put in a message: it holds secrets.
 */
final class AuthFile {
  private final String what;
  private final JsonNode root;

  private AuthFile(String what, JsonNode root) {
    this.what = what;
    this.root = root;
  }

  static AuthFile read(Path file) throws IOException {
    String what = "auth file " + file;
    try {
      return new AuthFile(what, ImageJson.tree(Files.readAllBytes(file), what));
    } catch (ImageFormatException e) {
      // The parser's message quotes the text around the error; the cause would carry it too.
      throw new ImageFormatException(what + ": not a JSON object");
    }
  }

  /** The helper {@code credHelpers} names for {@code host} (a normalised key). */
  Optional<String> credHelper(String host) {
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("credHelpers").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (normaliseKey(entry.getKey()).equals(host) && !entry.getValue().asText("").isEmpty()) {
        return Optional.of(entry.getValue().asText());
      }
    }
    return Optional.empty();
  }

  /** The default helper, {@code credsStore}. */
  Optional<String> credsStore() {
    String store = root.path("credsStore").asText("");
    return store.isEmpty() ? Optional.empty() : Optional.of(store);
  }

  /**
   * The {@code auths} entry for {@code host} (a normalised key) and {@code repository}: one naming
   * the repository or a namespace of it is preferred to one naming the host alone. An entry with
   * neither {@code auth} nor {@code identitytoken} (docker writes those when a helper keeps the
   * secret) is no entry.
   */
  Optional<Credentials> auths(String host, String repository) throws ImageFormatException {
    String hostAndRepo = host + "/" + repository;
    String bestKey = "";
    JsonNode best = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("auths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String key = normaliseKey(entry.getKey());
      boolean matches = key.equals(host) || hostAndRepo.equals(key) || hostAndRepo.startsWith(key + "/");
      boolean holdsSome = hasText(entry.getValue(), "auth") || hasText(entry.getValue(), "identitytoken");
      if (matches && holdsSome && key.length() > bestKey.length()) {
        bestKey = key;
        best = entry.getValue();
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    String entryWhat = what + ", entry " + bestKey;
    Credentials userPass = hasText(best, "auth") ? decode(best.get("auth").asText(), entryWhat) : Credentials.of("", "");
    return Optional.of(hasText(best, "identitytoken")
        ? userPass.withIdentityToken(best.get("identitytoken").asText())
        : userPass);
  }

  private static boolean hasText(JsonNode entry, String field) {
    return entry.path(field).isTextual() && !entry.path(field).asText().isEmpty();
  }

  private static Credentials decode(String auth, String what) throws ImageFormatException {
    String userPass;
    try {
      userPass = new String(Base64.getDecoder().decode(auth.trim()), UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ImageFormatException(what + ": \"auth\" is not base64");
    }
    int colon = userPass.indexOf(':');
    if (colon <= 0) {
      throw new ImageFormatException(what + ": \"auth\" is not base64 of user:password");
    }
    return Credentials.of(userPass.substring(0, colon), userPass.substring(colon + 1));
  }

  /** {@code https://index.docker.io/v1/} and {@code docker.io} name one registry. */
  static String normaliseKey(String key) {
    String k = key.replaceFirst("^[a-z]+://", "").replaceFirst("/v[12]/?$", "");
    while (k.endsWith("/")) {
      k = k.substring(0, k.length() - 1);
    }
    for (String hub : ImmutableList.of("index.docker.io", "registry-1.docker.io")) {
      if (k.equals(hub) || k.startsWith(hub + "/")) {
        k = "docker.io" + k.substring(hub.length());
      }
    }
    return k;
  }
}
