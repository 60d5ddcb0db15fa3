package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;

/**
 * One docker credential helper, {@code docker-credential-NAME} on {@code PATH}: runs {@code get}
 * with the server address on standard input and reads {@code {"Username", "Secret"}} from
 * standard output, as docker and crane do. Its answers and failures never quote the secret.
 */
final class CredentialHelper {
  /** What helpers built on docker-credential-helpers print when they hold nothing for a server. */
  private static final String NOT_FOUND = "credentials not found in native keychain";
  /** A helper's answer is a few hundred bytes; more is not one. */
  private static final int MAX_ANSWER = 1 << 20;
  /** How much of a failing helper's own message is repeated. */
  private static final int MAX_MESSAGE = 300;

  private final String name;
  private final Path program;
  private final Duration timeout;

  private CredentialHelper(String name, Path program, Duration timeout) {
    this.name = name;
    this.program = program;
    this.timeout = timeout;
  }

  /**
   * The helper {@code name} found on {@code path} (a {@code PATH} value); a failure naming it and
   * {@code registry} when it is not there.
   */
  static CredentialHelper find(String name, String path, Duration timeout, String registry) throws RegistryException {
    String program = "docker-credential-" + name;
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw failure("credential helper \"" + name + "\" for registry " + registry + ": not a helper name");
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!Path.of(dir).isAbsolute()) {
        continue; // as Go's exec.LookPath does now: no program from wherever the run started
      }
      Path candidate = Path.of(dir).resolve(program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return new CredentialHelper(name, candidate.toAbsolutePath(), timeout);
      }
    }
    throw failure("credential helper " + program + " for registry " + registry + ": not found on PATH");
  }

  /** The helper's program, which with the server identifies an answer. */
  Path program() {
    return program;
  }

  /** The credentials the helper holds for {@code server}; empty when it says it holds none. */
  Optional<Credentials> get(String server, String registry) throws IOException {
    String what = "credential helper docker-credential-" + name + " for registry " + registry;
    Process process;
    try {
      process = new ProcessBuilder(program.toString(), "get").start();
    } catch (IOException e) {
      throw failure(what + ": " + e.getMessage());
    }
    // Both outputs are drained at once, by threads of their own: a helper blocked writing one
    // while nobody reads it would otherwise look like a helper that never answers.
    ExecutorService readers = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "credential-helper-" + name);
      t.setDaemon(true);
      return t;
    });
    try {
      Future<byte[]> stdout = readers.submit(() -> readQuietly(process.getInputStream()));
      Future<byte[]> stderr = readers.submit(() -> readQuietly(process.getErrorStream()));
      try (OutputStream in = process.getOutputStream()) {
        in.write(server.getBytes(UTF_8));
      } catch (IOException e) {
        // A helper that exits without reading its input is judged by its exit status below.
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException();
      }
      // A child the helper left behind may hold its output open: the deadline covers it too.
      byte[] out = stdout.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      byte[] err = stderr.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return answer(process.exitValue(), out, err, what);
    } catch (TimeoutException e) {
      throw failure(what + ": no answer within " + timeout.toString().substring(2).toLowerCase(Locale.ROOT));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(what + ": interrupted");
    } catch (ExecutionException e) {
      throw failure(what + ": reading its answer failed");
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      readers.shutdownNow();
    }
  }

  private static Optional<Credentials> answer(int exit, byte[] out, byte[] err, String what) throws RegistryException {
    if (exit != 0) {
      String said = new String(out, UTF_8).strip();
      if (said.equals(NOT_FOUND)) {
        return Optional.empty();
      }
      String message = said.isEmpty() ? new String(err, UTF_8).strip() : said;
      if (message.contains("\"Secret\"")) {
        message = ""; // an answer printed before a failing exit: it holds the secret
      }
      throw failure(what + ": exit status " + exit + (message.isEmpty() ? "" : ": " + firstLine(message)));
    }
    return Optional.of(parse(out, what));
  }

  private static Credentials parse(byte[] answer, String what) throws RegistryException {
    JsonNode json;
    try {
      json = ImageJson.tree(answer, what);
    } catch (ImageFormatException e) {
      // The parser's message quotes the text around the error: the secret, perhaps.
      throw failure(what + ": the answer is not JSON");
    }
    String username = json.path("Username").asText("");
    String secret = json.path("Secret").asText("");
    if (!json.path("Secret").isTextual() || secret.isEmpty()) {
      throw failure(what + ": the answer holds no \"Secret\"");
    }
    return username.equals(Credentials.TOKEN_USERNAME)
        ? Credentials.of("", "").withIdentityToken(secret)
        : Credentials.of(username, secret);
  }

  private static String firstLine(String message) {
    String line = message.lines().findFirst().orElse("");
    return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "…" : line;
  }

  private static byte[] readQuietly(InputStream in) {
    try (in) {
      return in.readNBytes(MAX_ANSWER);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static RegistryException failure(String message) {
    return new RegistryException(message, OptionalInt.empty(), false, Optional.empty(), null);
  }
}
