package org.layerfs.io.registry;

import static java.net.http.HttpResponse.BodyHandlers.ofInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;

/**
 * Sends {@link RegistryOperation}s to one registry: picks HTTPS (or plain HTTP when TLS is not
 * verified and the registry does not speak it), authenticates, follows redirects of reads without
 * carrying credentials to other hosts, retries transient failures with exponential backoff, and
 * turns every other failure into a {@link RegistryException} naming what failed.
 */
final class RegistryCaller {
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_ERROR_BODY = 8192;

  private final String registry;
  private final RegistryConfig config;
  private final HttpClient http;
  private final RegistryAuth auth;
  private volatile Optional<URI> base = Optional.empty();

  /** A unit of work to retry; it fails with a {@link RegistryException} that says whether to. */
  interface Attempt<T> {
    T run() throws IOException;
  }

  RegistryCaller(String registry, RegistryConfig config, HttpClient http, RegistryAuth auth) {
    this.registry = registry;
    this.config = config;
    this.http = http;
    this.auth = auth;
  }

  String registry() {
    return registry;
  }

  RegistryConfig config() {
    return config;
  }

  /** Sends {@code op}, retrying transient failures up to the configured number of attempts. */
  <T> T call(RegistryOperation<T> op) throws IOException {
    return retrying(() -> callOnce(op));
  }

  /** Runs {@code attempt} until it succeeds, fails permanently, or has used every attempt. */
  <T> T retrying(Attempt<T> attempt) throws IOException {
    for (int n = 1; ; n++) {
      try {
        return attempt.run();
      } catch (RegistryException e) {
        if (!e.isTransient()) {
          throw e;
        }
        if (n >= config.maxAttempts()) {
          throw new RegistryException(
              e.getMessage() + " (gave up after " + n + " attempts)", e.status(), true, Optional.empty(), e);
        }
        pause(n, e.retryAfter());
      }
    }
  }

  /** Waits before retry number {@code failures}: {@code Retry-After} when given, else backoff. */
  void pause(int failures, Optional<Duration> retryAfter) throws InterruptedIOException {
    Duration wait;
    if (retryAfter.isPresent()) {
      wait = retryAfter.get().compareTo(config.maxRetryAfter()) > 0 ? config.maxRetryAfter() : retryAfter.get();
    } else {
      long max = config.maxBackoff().toMillis();
      long exp = config.initialBackoff().toMillis() << Math.min(failures - 1, 20);
      long capped = Math.min(exp, max);
      // Jitter keeps many workers that failed together from retrying together.
      wait = Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("registry " + registry + ": interrupted while waiting to retry");
    }
  }

  /** Sends {@code op} once (answering one auth challenge and following redirects). */
  <T> T callOnce(RegistryOperation<T> op) throws IOException {
    URI uri = op.uri(base());
    boolean reauthenticated = false;
    int redirects = 0;
    while (true) {
      HttpRequest.Builder builder = op.request(uri).timeout(config.timeout());
      boolean ownHost = isRegistryHost(uri);
      Optional<String> authorization =
          ownHost ? auth.authorization(op.repository(), op.scopes()) : Optional.empty();
      authorization.ifPresent(a -> builder.header("Authorization", a));
      HttpRequest request = builder.build();
      HttpResponse<InputStream> response = send(op, request);
      int status = response.statusCode();
      if (op.accepts(status)) {
        return handle(op, response);
      }
      if (status == 401 && ownHost && !reauthenticated) {
        discard(response);
        Optional<AuthChallenge> challenge = AuthChallenge.choose(response.headers().allValues("WWW-Authenticate"));
        if (auth.respondTo(challenge, op.repository(), op.scopes(), authorization.isPresent())) {
          reauthenticated = true;
          continue;
        }
      }
      Optional<String> location = response.headers().firstValue("Location");
      boolean read = request.method().equals("GET") || request.method().equals("HEAD");
      if (status / 100 == 3 && read && location.isPresent() && redirects < MAX_REDIRECTS) {
        discard(response);
        uri = uri.resolve(location.get());
        redirects++;
        continue;
      }
      throw failure(op, response);
    }
  }

  private <T> HttpResponse<InputStream> send(RegistryOperation<T> op, HttpRequest request) throws IOException {
    try {
      return http.send(request, ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(describe(op) + ": interrupted");
    } catch (IOException e) {
      // A TLS failure does not heal by itself; a reset, refusal or timeout may.
      throw new RegistryException(describe(op) + ": " + e, OptionalInt.empty(), !isTls(e), Optional.empty(), e);
    }
  }

  private <T> T handle(RegistryOperation<T> op, HttpResponse<InputStream> response) throws IOException {
    boolean keep = false;
    try {
      T result = op.handle(response);
      keep = op.keepsBody();
      return result;
    } catch (RegistryException | BlobVerificationException | ImageFormatException e) {
      throw e;
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryException(
          describe(op) + ": reading the answer: " + e, OptionalInt.of(response.statusCode()), true, Optional.empty(), e);
    } finally {
      if (!keep) {
        response.body().close();
      }
    }
  }

  private RegistryException failure(RegistryOperation<?> op, HttpResponse<InputStream> response) throws IOException {
    int status = response.statusCode();
    String errors = registryErrors(response);
    Optional<Duration> retryAfter = response.headers().firstValue("Retry-After").flatMap(RegistryCaller::seconds);
    return new RegistryException(
        describe(op) + ": " + statusText(status) + errors, OptionalInt.of(status), isTransient(status), retryAfter, null);
  }

  /** The codes and messages of the registry's error document, e.g. " (MANIFEST_UNKNOWN: manifest unknown)". */
  private static String registryErrors(HttpResponse<InputStream> response) {
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(MAX_ERROR_BODY);
    } catch (IOException e) {
      return "";
    }
    if (body.length == 0) {
      return "";
    }
    List<String> errors = new ArrayList<>();
    try {
      for (JsonNode error : ImageJson.tree(body, "error").path("errors")) {
        String code = error.path("code").asText("");
        String message = error.path("message").asText("");
        errors.add(message.isEmpty() ? code : code + ": " + message);
      }
    } catch (ImageFormatException e) {
      return ""; // not the distribution error format: nothing to add
    }
    return errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")";
  }

  private static Optional<Duration> seconds(String retryAfter) {
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(retryAfter.trim()))));
    } catch (NumberFormatException e) {
      return Optional.empty(); // an HTTP date: the backoff applies instead
    }
  }

  static boolean isTransient(int status) {
    return status == 408 || status == 429 || (status >= 500 && status != 501);
  }

  static String statusText(int status) {
    String reason =
        switch (status) {
          case 400 -> "Bad Request";
          case 401 -> "Unauthorized";
          case 403 -> "Forbidden";
          case 404 -> "Not Found";
          case 405 -> "Method Not Allowed";
          case 408 -> "Request Timeout";
          case 409 -> "Conflict";
          case 416 -> "Range Not Satisfiable";
          case 429 -> "Too Many Requests";
          case 500 -> "Internal Server Error";
          case 502 -> "Bad Gateway";
          case 503 -> "Service Unavailable";
          case 504 -> "Gateway Timeout";
          default -> "";
        };
    return "HTTP " + status + (reason.isEmpty() ? "" : " " + reason);
  }

  String describe(RegistryOperation<?> op) {
    return "registry " + registry + ", repository " + op.repository() + ", " + op.description();
  }

  private boolean isRegistryHost(URI uri) {
    return registry.equalsIgnoreCase(uri.getRawAuthority());
  }

  private static void discard(HttpResponse<InputStream> response) throws IOException {
    response.body().close();
  }

  private static boolean isTls(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The registry's base URI: HTTPS, unless TLS is not verified and the registry speaks plain
   * HTTP, as skopeo allows with {@code --tls-verify=false}. Plain HTTP is asked first: a TLS
   * server answers it at once, while a plain server may wait for the rest of a TLS greeting
   * it cannot read.
   */
  private URI base() throws IOException {
    Optional<URI> known = base;
    if (known.isPresent()) {
      return known.get();
    }
    URI chosen = URI.create("https://" + registry);
    if (!config.tlsVerify()) {
      URI plain = URI.create("http://" + registry);
      HttpRequest probe = HttpRequest.newBuilder(plain.resolve("/v2/")).timeout(config.timeout()).GET().build();
      try {
        int status = http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode();
        // /v2/ answers 200, or 401 asking for credentials; anything else is a TLS server's complaint.
        if (status == 200 || status == 401) {
          chosen = plain;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("registry " + registry + ": interrupted");
      } catch (IOException e) {
        // Not plain HTTP: TLS, unverified.
      }
    }
    base = Optional.of(chosen);
    return chosen;
  }
}
