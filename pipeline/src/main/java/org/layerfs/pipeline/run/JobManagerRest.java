package org.layerfs.pipeline.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;

/**
 * GETs of a Flink JobManager's REST API ({@code http://HOST:PORT}), the job's status and metrics
 * the launcher reads while its job runs. Over {@link HttpURLConnection}, not the JDK's HTTP client:
 * that one keeps a thread in a system call (epoll_wait) for as long as the client lives, and the
 * JVM's exit waits 300 ms for threads in native code, every Flink command.
 */
final class JobManagerRest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;

  JobManagerRest(String base) {
    this.base = base;
  }

  /** The JSON at {@code path}; an answer other than 200 is an {@link IOException}. */
  JsonNode get(String path) throws IOException {
    return JSON.readTree(bytes(path));
  }

  /** The body at {@code path}; an answer other than 200 is an {@link IOException}. */
  byte[] bytes(String path) throws IOException {
    // No proxy, as the JDK's HTTP client had none: the JobManager is reached directly.
    HttpURLConnection c = (HttpURLConnection) URI.create(base + path).toURL().openConnection(Proxy.NO_PROXY);
    c.setConnectTimeout(5_000);
    c.setReadTimeout(10_000);
    int status = c.getResponseCode();
    if (status != 200) {
      // Read to its end, so that the connection is kept for the next request.
      try (InputStream error = c.getErrorStream()) {
        if (error != null) {
          error.readAllBytes();
        }
      }
      throw new IOException(base + path + ": HTTP " + status);
    }
    try (InputStream in = c.getInputStream()) {
      return in.readAllBytes();
    }
  }
}
