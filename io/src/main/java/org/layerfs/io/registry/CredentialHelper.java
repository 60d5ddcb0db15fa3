package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
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
  /** How long the output pipes may stay open once the helper has exited. */
  private static final Duration AFTER_EXIT = Duration.ofSeconds(1);
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
      Output stdout = new Output(readers, process.getInputStream());
      Output stderr = new Output(readers, process.getErrorStream());
      try (OutputStream in = process.getOutputStream()) {
        in.write(server.getBytes(UTF_8));
      } catch (IOException e) {
        // A helper that exits without reading its input is judged by its exit status below.
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException();
      }
      // The helper has exited: its answer is what it wrote. A child it left behind (an agent it
      // started) may hold the pipes open, so their end is awaited only briefly.
      long settled = Math.min(deadline, System.nanoTime() + AFTER_EXIT.toNanos());
      byte[] out = stdout.written(settled);
      byte[] err = stderr.written(settled);
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

  /** One of the helper's output pipes, drained by a thread of its own as the helper writes. */
  private static final class Output {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Future<?> drained;

    Output(ExecutorService readers, InputStream pipe) {
      drained = readers.submit(() -> drain(pipe));
    }

    private void drain(InputStream pipe) {
      byte[] buffer = new byte[8192];
      try (pipe) {
        for (int n; (n = pipe.read(buffer)) >= 0; ) {
          synchronized (bytes) {
            bytes.write(buffer, 0, Math.min(n, MAX_ANSWER - bytes.size()));
          }
        }
      } catch (IOException e) {
        // What was read stands; the pipe's end is not needed.
      }
    }

    /** What the helper wrote: all of it once the pipe ends, else what has arrived by {@code deadline} ({@link System#nanoTime}). */
    byte[] written(long deadline) throws InterruptedException, ExecutionException {
      try {
        drained.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        // A child of the helper holds the pipe open; the helper itself is done.
      }
      synchronized (bytes) {
        return bytes.toByteArray();
      }
    }
  }

  private static RegistryException failure(String message) {
    return new RegistryException(message, OptionalInt.empty(), false, Optional.empty(), null);
  }
}
