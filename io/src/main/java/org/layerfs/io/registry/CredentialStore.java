package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The credentials for a registry, looked up as docker looks them up, in each auth file in turn:
 * the helper {@code credHelpers} names for the registry, else the {@code auths} entry, else the
 * default helper {@code credsStore}. The first file that yields credentials wins; a helper that
 * holds none for the registry is no entry, and any other helper failure is an error naming the
 * helper and the registry, never anonymous access.
 */
final class CredentialStore {
  /** How long a helper may take; one that prompts for a passphrase nobody types would hang a run. */
  static final Duration HELPER_TIMEOUT = Duration.ofSeconds(60);
  /** The server docker passes to helpers for Docker Hub. */
  private static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

  /**
   * Helper answers (and failures) by program and server, for every client in this process: a
   * run asks each helper once per registry, however many images and workers read it.
   */
  private static final Map<String, Answer> ANSWERS = new ConcurrentHashMap<>();

  private final ImmutableList<Path> files;
  private final String path;
  private final Duration helperTimeout;

  private record Answer(Optional<Credentials> credentials, Optional<String> failure) {}

  /** {@code path} is the {@code PATH} helpers are looked up on. */
  CredentialStore(ImmutableList<String> files, String path, Duration helperTimeout) {
    this.files = files.stream().map(Path::of).collect(ImmutableList.toImmutableList());
    this.path = path;
    this.helperTimeout = helperTimeout;
  }

  /** The store of {@code config}'s auth files, with helpers on this process's {@code PATH}. */
  static CredentialStore of(RegistryConfig config) {
    return new CredentialStore(config.authFiles(), System.getenv().getOrDefault("PATH", ""), HELPER_TIMEOUT);
  }

  /** The credentials for {@code repository} at {@code registry}; empty means anonymous. */
  Optional<Credentials> lookup(String registry, String repository) throws IOException {
    String host = AuthFile.normaliseKey(registry);
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        continue;
      }
      AuthFile auth = AuthFile.read(file);
      Optional<String> helper = auth.credHelper(host);
      Optional<Credentials> found =
          helper.isPresent() ? ask(helper.get(), registry, host) : auth.auths(host, repository);
      if (found.isEmpty() && helper.isEmpty() && auth.credsStore().isPresent()) {
        found = ask(auth.credsStore().get(), registry, host);
      }
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private Optional<Credentials> ask(String name, String registry, String host) throws RegistryException {
    CredentialHelper helper = CredentialHelper.find(name, path, helperTimeout, registry);
    String server = host.equals("docker.io") ? DOCKER_HUB_SERVER : host;
    Answer answer = ANSWERS.computeIfAbsent(helper.program() + "\n" + server, k -> {
      try {
        return new Answer(helper.get(server, registry), Optional.empty());
      } catch (IOException e) {
        return new Answer(Optional.empty(), Optional.of(e.getMessage()));
      }
    });
    if (answer.failure().isPresent()) {
      throw new RegistryException(answer.failure().get(), OptionalInt.empty(), false, Optional.empty(), null);
    }
    return answer.credentials();
  }
}
