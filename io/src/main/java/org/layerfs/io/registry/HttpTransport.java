package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The bottom of the transport stack: one HTTP exchange. The connection and the response headers
 * are bounded by {@link RegistryConfig#timeout} (by the idle timeout for reads), the body by
 * {@link RegistryConfig#idleTimeout} between two arrivals of data; a streamed upload's body by the
 * idle timeout between two takings of data. An exchange that gets no answer is a transient {@link
 * RegistryException}, except a TLS failure, which does not heal by itself.
 */
final class HttpTransport implements RegistryTransport {
  private final HttpClient http;
  private final Duration timeout;
  private final Duration idleTimeout;

  private HttpTransport(HttpClient http, Duration timeout, Duration idleTimeout) {
    this.http = http;
    this.timeout = timeout;
    this.idleTimeout = idleTimeout;
  }

  static HttpTransport create(RegistryConfig config) {
    HttpClient.Builder http =
        HttpClient.newBuilder()
            // HTTP/1.1: plain-HTTP registries would otherwise get an h2c upgrade on every request,
            // and SliceArrays reuses a streamed upload's arrays by HTTP/1.1's handling of buffers.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.timeout())
            // Redirects are RedirectTransport's: it knows which hosts may see credentials.
            .followRedirects(HttpClient.Redirect.NEVER);
    if (!config.tlsVerify()) {
      http.sslContext(InsecureTls.deferred());
    }
    return new HttpTransport(http.build(), config.timeout(), config.idleTimeout());
  }

  @Override
  public HttpResponse<InputStream> send(RegistryRequest request) throws IOException {
    if (request.http().bodyPublisher().orElse(null) instanceof StreamedBody body) {
      return sendWatched(request, body);
    }
    HttpRequest timed =
        HttpRequest.newBuilder(request.http(), (name, value) -> true).timeout(headerTimeout(request.http())).build();
    try {
      return http.send(timed, info -> new IdleTimeoutBody(idleTimeout));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(request.what() + ": interrupted");
    } catch (IOException e) {
      throw failure(request, e);
    }
  }

  /**
   * A streamed upload, which may take longer than any total timeout: it is abandoned only when
   * the connection takes none of its bytes for the idle timeout, or no answer comes within the
   * timeout after the last byte ({@link StreamedBody#stall}).
   */
  private HttpResponse<InputStream> sendWatched(RegistryRequest request, StreamedBody body) throws IOException {
    CompletableFuture<HttpResponse<InputStream>> answer =
        http.sendAsync(request.http(), info -> new IdleTimeoutBody(idleTimeout));
    long poll = Math.max(1, Math.min(idleTimeout.toMillis() / 2, 1000));
    try {
      while (true) {
        try {
          return answer.get(poll, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          Optional<String> stall = body.stall(idleTimeout, timeout);
          if (stall.isPresent()) {
            answer.cancel(true);
            throw new RegistryException(request.what() + ": " + stall.get(), OptionalInt.empty(), true, Optional.empty(), null);
          }
        }
      }
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(request.what() + ": interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw failure(request, io);
      }
      throw new RegistryException(
          request.what() + ": " + e.getCause(), OptionalInt.empty(), false, Optional.empty(), e.getCause());
    }
  }

  private static RegistryException failure(RegistryRequest request, IOException e) {
    return new RegistryException(request.what() + ": " + e, OptionalInt.empty(), !isTls(e), Optional.empty(), e);
  }

  /**
   * A read's answer starts at once on a working registry: silence before its headers is a stall
   * like silence in its body. A write's may come only after the registry has stored the blob.
   */
  private Duration headerTimeout(HttpRequest request) {
    boolean read = request.method().equals("GET") || request.method().equals("HEAD");
    return read && idleTimeout.compareTo(timeout) < 0 ? idleTimeout : timeout;
  }

  /**
   * Stops the client's selector thread, on Java 21 and later (the method is not in Java 17, which
   * the jar is built for). Left in {@code epoll_wait}, that thread held every registry command's
   * exit 300 ms: HotSpot waits that long for threads in native code (README, "Sync beside the
   * pipeline").
   */
  void shutdown() {
    try {
      HttpClient.class.getMethod("shutdownNow").invoke(http);
    } catch (NoSuchMethodException e) {
      // Java 17-20: the thread ends when the client is collected.
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("HttpClient.shutdownNow", e);
    }
  }

  private static boolean isTls(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }
}
