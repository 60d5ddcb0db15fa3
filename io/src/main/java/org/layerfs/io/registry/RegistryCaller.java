package org.layerfs.io.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;

/**
 * Sends {@link RegistryOperation}s to one registry: builds each operation's request, passes it
 * down the transport stack (redirects, authentication, scheme, HTTP: see {@link
 * RegistryTransport}), lets the operation read an answer it accepts, and turns every other
 * answer or failure into a {@link RegistryException} naming what failed. {@link #call} applies
 * the retry policy; {@link #once} sends once, for work that retries as a whole.
 */
final class RegistryCaller {
  private static final int MAX_ERROR_BODY = 8192;

  private final String registry;
  private final RegistryConfig config;
  private final RegistryTransport transport;
  private final Retry retry;

  RegistryCaller(String registry, RegistryConfig config, RegistryTransport transport, Retry retry) {
    this.registry = registry;
    this.config = config;
    this.transport = transport;
    this.retry = retry;
  }

  String registry() {
    return registry;
  }

  RegistryConfig config() {
    return config;
  }

  Retry retry() {
    return retry;
  }

  /** Sends {@code op}, retrying transient failures under the retry policy. */
  <T> T call(RegistryOperation<T> op) throws IOException {
    return retry.run(attempt -> once(op));
  }

  /**
   * Sends {@code op} once. An answer that breaks the protocol in a way the JDK reports unchecked
   * (a {@code Location} or {@code realm} that is no URI, a number that is none) fails this
   * operation, and so the image it serves, as a permanent {@link RegistryException}.
   */
  <T> T once(RegistryOperation<T> op) throws IOException {
    try {
      URI uri = op.uri(URI.create("https://" + registry));
      RegistryRequest request = new RegistryRequest(op.request(uri).build(), op.repository(), op.scopes(), describe(op));
      HttpResponse<InputStream> response = transport.send(request);
      if (op.accepts(response.statusCode())) {
        return handle(op, response);
      }
      throw failure(op, response);
    } catch (RuntimeException e) {
      throw new RegistryException(
          describe(op) + ": unusable answer: " + e.getMessage(), OptionalInt.empty(), false, Optional.empty(), e);
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
}
