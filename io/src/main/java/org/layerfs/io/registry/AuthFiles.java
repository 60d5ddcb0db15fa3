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
 * Credentials from auth files in the format of {@code ~/.docker/config.json} and
 * containers-auth.json: {@code {"auths": {"HOST[/REPO]": {"auth": base64(user:password)}}}}.
 * Keys may carry a scheme and a {@code /v1/} or {@code /v2/} suffix, as docker writes them; a key
 * naming a repository or namespace is preferred to one naming the host alone.
 */
final class AuthFiles {
  private final ImmutableList<Path> files;

  AuthFiles(ImmutableList<String> files) {
    this.files = files.stream().map(Path::of).collect(ImmutableList.toImmutableList());
  }

  /** The credentials for {@code repository} at {@code registry} from the first file that has any. */
  Optional<Credentials> lookup(String registry, String repository) throws IOException {
    String host = normaliseKey(registry);
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      Optional<Credentials> found = lookup(file, host, host + "/" + repository);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<Credentials> lookup(Path file, String host, String hostAndRepo)
      throws IOException {
    // The file's content is never put in a message: it holds secrets.
    String what = "auth file " + file;
    JsonNode auths;
    try {
      auths = ImageJson.tree(Files.readAllBytes(file), what).path("auths");
    } catch (ImageFormatException e) {
      // The parser's message quotes the text around the error; the cause would carry it too.
      throw new ImageFormatException(what + ": not a JSON object");
    }
    String bestKey = "";
    JsonNode best = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String key = normaliseKey(entry.getKey());
      boolean matches = key.equals(host) || hostAndRepo.equals(key) || hostAndRepo.startsWith(key + "/");
      if (matches && key.length() > bestKey.length() && entry.getValue().hasNonNull("auth")) {
        bestKey = key;
        best = entry.getValue();
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    return Optional.of(decode(best.get("auth").asText(), what + ", entry " + bestKey));
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
