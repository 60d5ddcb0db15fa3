package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;

/**
 * An in-process registry (HTTPS with a self-signed certificate, anonymous, in memory) with the OCI 1.1 referrers API that
 * the CNCF distribution registry of the tests lacks: {@code GET /v2/<name>/referrers/<digest>}
 * lists the manifests pushed with that {@code subject}, and a manifest push with a subject is
 * answered with {@code OCI-Subject}. Blobs, uploads, manifests, tags and deletes as the
 * distribution spec says, enough for layerfs and skopeo. Records every request.
 */
public final class ReferrersRegistry implements AutoCloseable {
  private static final Pattern ROUTE = Pattern.compile(
      "/v2/(.+?)/(blobs/uploads/?([^/]*)|blobs/([^/]+)|manifests/([^/]+)|tags/list|referrers/([^/]+))");

  private record Stored(String mediaType, byte[] bytes) {}

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  /** Repository → reference (tag or digest) → manifest. */
  private final Map<String, Map<String, Stored>> manifests = new ConcurrentHashMap<>();
  private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
  private final AtomicInteger uploadIds = new AtomicInteger();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  private ReferrersRegistry() throws IOException {
    // HTTPS (self-signed, reached with --tls-verify=false): a plain JDK server would leave a TLS probe waiting.
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(FaultServer.tls()));
    server = https;
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  public static ReferrersRegistry start() throws IOException {
    return new ReferrersRegistry();
  }

  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse("docker://" + host() + "/" + repositoryAndTag);
  }

  /** Every request so far, {@code METHOD /path}. */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The tags of {@code repository}, sorted. */
  public List<String> tags(String repository) {
    return manifests.getOrDefault(repository, Map.of()).keySet().stream().filter(k -> !Digest.isDigest(k)).sorted().toList();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      requests.add(method + " " + path);
      // Read before any answer: the JDK's server closes, or through TLS stalls, a connection whose
      // request body it must drain after answering (see FaultServer#handle).
      byte[] body = ex.getRequestBody().readAllBytes();
      if (path.equals("/v2/") || path.equals("/v2")) {
        send(ex, 200, "{}".getBytes(UTF_8));
        return;
      }
      Matcher m = ROUTE.matcher(path);
      if (!m.matches()) {
        error(ex, 404, "NOT_FOUND");
        return;
      }
      String repository = m.group(1);
      if (m.group(2).startsWith("blobs/uploads")) {
        upload(ex, repository, m.group(3), body);
      } else if (m.group(4) != null) {
        byte[] blob = blobs.get(repository + "@" + m.group(4));
        if (blob == null) {
          error(ex, 404, "BLOB_UNKNOWN");
          return;
        }
        ex.getResponseHeaders().add("Docker-Content-Digest", m.group(4));
        if (method.equals("HEAD")) {
          ex.getResponseHeaders().add("Content-Length", Integer.toString(blob.length));
          ex.sendResponseHeaders(200, -1);
        } else {
          send(ex, 200, blob);
        }
      } else if (m.group(5) != null) {
        manifest(ex, repository, m.group(5), body);
      } else if (m.group(6) != null) {
        referrers(ex, repository, m.group(6));
      } else {
        ObjectNode list = ImageJson.mapper().createObjectNode().put("name", repository);
        ArrayNode tags = list.putArray("tags");
        tags(repository).forEach(tags::add);
        send(ex, 200, ImageJson.mapper().writeValueAsBytes(list));
      }
    }
  }

  private void manifest(HttpExchange ex, String repository, String reference, byte[] bytes) throws IOException {
    Map<String, Stored> repo = manifests.computeIfAbsent(repository, r -> new ConcurrentHashMap<>());
    switch (ex.getRequestMethod()) {
      case "PUT" -> {
        Digest digest = Digest.sha256(bytes);
        Stored stored = new Stored(ex.getRequestHeaders().getFirst("Content-Type"), bytes);
        repo.put(digest.toString(), stored);
        repo.put(reference, stored);
        JsonNode subject = ImageJson.mapper().readTree(bytes).path("subject").path("digest");
        if (subject.isTextual()) {
          ex.getResponseHeaders().add("OCI-Subject", subject.asText());
        }
        ex.getResponseHeaders().add("Docker-Content-Digest", digest.toString());
        ex.getResponseHeaders().add("Location", "/v2/" + repository + "/manifests/" + digest);
        ex.sendResponseHeaders(201, -1);
      }
      case "DELETE" -> {
        Stored gone = repo.remove(reference);
        if (gone == null) {
          error(ex, 404, "MANIFEST_UNKNOWN");
          return;
        }
        repo.values().removeIf(s -> s.equals(gone));
        ex.sendResponseHeaders(202, -1);
      }
      default -> {
        Stored stored = repo.get(reference);
        if (stored == null) {
          error(ex, 404, "MANIFEST_UNKNOWN");
          return;
        }
        ex.getResponseHeaders().add("Content-Type", stored.mediaType());
        ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(stored.bytes()).toString());
        if (ex.getRequestMethod().equals("HEAD")) {
          ex.getResponseHeaders().add("Content-Length", Integer.toString(stored.bytes().length));
          ex.sendResponseHeaders(200, -1);
        } else {
          send(ex, 200, stored.bytes());
        }
      }
    }
  }

  /** The manifests of the repository whose subject is {@code digest}, as an OCI index of descriptors. */
  private void referrers(HttpExchange ex, String repository, String digest) throws IOException {
    ObjectNode index = ImageJson.mapper().createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode list = index.putArray("manifests");
    Map<String, Stored> byDigest = new TreeMap<>();
    manifests.getOrDefault(repository, Map.of()).forEach((ref, s) -> {
      if (Digest.isDigest(ref)) {
        byDigest.put(ref, s);
      }
    });
    for (Map.Entry<String, Stored> e : byDigest.entrySet()) {
      JsonNode m = ImageJson.mapper().readTree(e.getValue().bytes());
      if (!m.path("subject").path("digest").asText().equals(digest)) {
        continue;
      }
      ObjectNode d = list.addObject();
      d.put("mediaType", e.getValue().mediaType());
      d.put("digest", e.getKey());
      d.put("size", e.getValue().bytes().length);
      d.put("artifactType", m.has("artifactType") ? m.path("artifactType").asText() : m.path("config").path("mediaType").asText());
      if (m.has("annotations")) {
        d.set("annotations", m.get("annotations"));
      }
    }
    ex.getResponseHeaders().add("Content-Type", MediaTypes.OCI_INDEX);
    send(ex, 200, ImageJson.mapper().writeValueAsBytes(index));
  }

  private void upload(HttpExchange ex, String repository, String id, byte[] body) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("POST")) {
      String newId = Integer.toString(uploadIds.incrementAndGet());
      uploads.put(newId, new ByteArrayOutputStream());
      ex.getResponseHeaders().add("Location", "/v2/" + repository + "/blobs/uploads/" + newId);
      ex.getResponseHeaders().add("Range", "0-0");
      ex.sendResponseHeaders(202, -1);
      return;
    }
    ByteArrayOutputStream upload = uploads.get(id);
    if (upload == null) {
      error(ex, 404, "BLOB_UPLOAD_UNKNOWN");
      return;
    }
    upload.write(body);
    ex.getResponseHeaders().add("Location", "/v2/" + repository + "/blobs/uploads/" + id);
    switch (method) {
      case "PATCH" -> {
        ex.getResponseHeaders().add("Range", "0-" + (upload.size() - 1));
        ex.sendResponseHeaders(202, -1);
      }
      case "PUT" -> {
        String query = Optional.ofNullable(ex.getRequestURI().getQuery()).orElse("");
        Matcher d = Pattern.compile("(?:^|&)digest=([^&]+)").matcher(query);
        byte[] blob = upload.toByteArray();
        if (!d.find() || !Digest.sha256(blob).toString().equals(d.group(1))) {
          error(ex, 400, "DIGEST_INVALID");
          return;
        }
        uploads.remove(id);
        blobs.put(repository + "@" + d.group(1), blob);
        ex.getResponseHeaders().add("Docker-Content-Digest", d.group(1));
        ex.sendResponseHeaders(201, -1);
      }
      case "DELETE" -> {
        uploads.remove(id);
        ex.sendResponseHeaders(204, -1);
      }
      default -> error(ex, 405, "UNSUPPORTED");
    }
  }

  private static void error(HttpExchange ex, int status, String code) throws IOException {
    ex.getResponseHeaders().add("Content-Type", "application/json");
    send(ex, status, ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + code.toLowerCase() + "\"}]}").getBytes(UTF_8));
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    if (ex.getRequestMethod().equals("HEAD") || body.length == 0) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    if (body.length > 0) {
      ex.getResponseBody().write(body);
    }
  }
}
