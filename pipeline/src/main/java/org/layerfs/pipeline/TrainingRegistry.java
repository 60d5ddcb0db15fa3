package org.layerfs.pipeline;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.oci.OciLayout;

/**
 * A read-only registry on loopback that serves one OCI layout under every repository name, so
 * that the launcher's training run can go through the registry client's code (HTTP client, TLS
 * probe, manifest HEADs and GETs, tag lists, blob GETs) without a registry of the user's: the
 * classes of a registry sync with nothing to do are then in its AOT cache. Answers {@code GET} and
 * {@code HEAD} of {@code /v2/}, tag lists, manifests (by tag or digest) and blobs; anything else,
 * including every push, is 404 or 405 as a registry answers what it lacks or refuses.
 */
final class TrainingRegistry implements AutoCloseable {
  private static final Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");
  private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
  private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/(sha256:[0-9a-f]{64})");

  private final HttpServer server;
  private final OciLayout layout;
  /** Every manifest and index of the layout, tagged or a child of an index: its media type by digest. */
  private final Map<Digest, String> manifestTypes = new HashMap<>();
  private final Map<String, Descriptor> tags = new HashMap<>();

  private TrainingRegistry(HttpServer server, OciLayout layout) throws IOException {
    this.server = server;
    this.layout = layout;
    for (Descriptor d : layout.index().manifests()) {
      d.refName().ifPresent(tag -> tags.put(tag, d));
      learn(d);
    }
  }

  /** Serves the OCI layout at {@code dir} on a free loopback port until closed. */
  static TrainingRegistry serve(Path dir) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    TrainingRegistry registry = new TrainingRegistry(server, OciLayout.open(dir));
    server.createContext("/v2/", registry::answer);
    server.start();
    return registry;
  }

  /** host:port, as a docker:// reference names it. */
  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  private void learn(Descriptor d) throws IOException {
    manifestTypes.put(d.digest(), d.mediaType());
    if (d.mediaType().equals(MediaTypes.OCI_INDEX) || d.mediaType().equals(MediaTypes.DOCKER_MANIFEST_LIST)) {
      String what = "training index " + d.digest();
      for (Descriptor child : ImageJson.descriptors(ImageJson.tree(layout.readBlob(d), what), "manifests", what)) {
        learn(child);
      }
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        send(exchange, 405, "application/json", error("UNSUPPORTED"), Optional.empty());
        return;
      }
      String path = exchange.getRequestURI().getPath();
      Matcher m;
      if (path.equals("/v2/")) {
        send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), Optional.empty());
      } else if ((m = TAGS.matcher(path)).matches()) {
        String list = String.join("\",\"", tags.keySet().stream().sorted().toList());
        String body = "{\"name\":\"" + m.group(1) + "\",\"tags\":[" + (list.isEmpty() ? "" : "\"" + list + "\"") + "]}";
        send(exchange, 200, "application/json", body.getBytes(StandardCharsets.UTF_8), Optional.empty());
      } else if ((m = MANIFEST.matcher(path)).matches()) {
        Optional<Descriptor> manifest = manifest(m.group(2));
        if (manifest.isEmpty()) {
          send(exchange, 404, "application/json", error("MANIFEST_UNKNOWN"), Optional.empty());
        } else {
          Descriptor d = manifest.get();
          send(exchange, 200, d.mediaType(), layout.readBlob(d), Optional.of(d.digest()));
        }
      } else if ((m = BLOB.matcher(path)).matches() && Files.isRegularFile(layout.blobPath(Digest.parse(m.group(2))))) {
        Digest digest = Digest.parse(m.group(2));
        send(exchange, 200, "application/octet-stream", Files.readAllBytes(layout.blobPath(digest)), Optional.of(digest));
      } else {
        send(exchange, 404, "application/json", error("NAME_UNKNOWN"), Optional.empty());
      }
    }
  }

  /** The manifest or index a tag or digest names, if the layout holds it. */
  private Optional<Descriptor> manifest(String reference) throws IOException {
    if (!reference.startsWith("sha256:")) {
      return Optional.ofNullable(tags.get(reference));
    }
    Digest digest = Digest.parse(reference);
    String type = manifestTypes.get(digest);
    return type == null ? Optional.empty() : Optional.of(Descriptor.of(type, digest, Files.size(layout.blobPath(digest))));
  }

  private static byte[] error(String code) {
    return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"not in the training registry\"}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body, Optional<Digest> digest)
      throws IOException {
    exchange.getResponseHeaders().put("Content-Type", List.of(type));
    exchange.getResponseHeaders().put("Docker-Distribution-Api-Version", List.of("registry/2.0"));
    digest.ifPresent(d -> exchange.getResponseHeaders().put("Docker-Content-Digest", List.of(d.toString())));
    boolean head = exchange.getRequestMethod().equals("HEAD");
    if (head) {
      exchange.getResponseHeaders().put("Content-Length", List.of(Integer.toString(body.length)));
    }
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
