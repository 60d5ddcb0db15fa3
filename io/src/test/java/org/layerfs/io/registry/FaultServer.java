package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.collect.ImmutableList;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;

/**
 * An in-process imitation of a registry, for the failures a real one will not produce on demand:
 * connections cut mid-body, bodies that end early, 5xx and 429 answers, bytes that do not match
 * their digest, bodies that stop mid-way, answers with broken headers, a bearer-token realm, tag
 * pages linked with {@code Link}, and an index push refused. Serves and takes one repository's
 * blobs, manifests and tags in memory and records every request. It speaks HTTPS with a self-signed certificate, or plain
 * HTTP ({@link #plain}), so clients reach it with {@code --tls-verify=false}. Public for the
 * tests of other modules that need a registry fault or a header a real registry will not send.
 */
public final class FaultServer implements AutoCloseable {
  private static final Pattern ROUTE =
      Pattern.compile("/v2/(.+?)/(blobs/uploads/(.*)|blobs/([^/]+)|manifests/([^/]+)|tags/list)");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");
  private static final Pattern CONTENT_RANGE = Pattern.compile("(\\d+)-\\d+");

  /** What to do instead of answering normally, once, for the next request to a path. */
  sealed interface Fault permits Status, Cut, Short, Stall, Silence, Answer, Reset {}

  /** Answer this status (with {@code Retry-After} seconds when given) and an error document. */
  record Status(int code, Optional<Integer> retryAfter) implements Fault {
    static Status of(int code) {
      return new Status(code, Optional.empty());
    }
  }

  /** Promise the whole body, send {@code bytes} of it, then drop the connection. */
  record Cut(int bytes) implements Fault {}

  /** Send a chunked body that ends cleanly after {@code bytes}. */
  record Short(int bytes) implements Fault {}

  /** Promise the whole body, send {@code bytes} of it, then send nothing more until the server closes. */
  record Stall(int bytes) implements Fault {}

  /** Answer nothing, not even headers, until the server closes. */
  record Silence() implements Fault {}

  /** Answer this status with these headers and no body, whatever was asked. */
  record Answer(int code, Map<String, String> headers) implements Fault {}

  /**
   * Read {@code bytes} of a PATCH's body, keep them in the upload as a registry keeps what
   * arrived, then drop the connection unanswered.
   */
  record Reset(int bytes) implements Fault {}

  /** One request as the server saw it. */
  record Request(String method, String path, String query, Optional<String> range, Optional<String> authorization) {}

  private record Manifest(String mediaType, byte[] bytes, String digestHeader) {}

  private static SSLContext tls;

  private final HttpServer server;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  /** Released at close, ending every stalled answer. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
  private volatile boolean digestOnHead = true;
  private volatile Optional<String> indexRefusal = Optional.empty();
  private final Map<String, ByteArrayOutputStream> uploads = new ConcurrentHashMap<>();
  private final AtomicInteger uploadIds = new AtomicInteger();
  private volatile Optional<String> bearerPassword = Optional.empty();
  private volatile Optional<String> refreshToken = Optional.empty();
  /** The one token the registry accepts; {@link #revokeTokens} replaces it. */
  private volatile String validToken = "good-token";
  private final AtomicInteger tokenGeneration = new AtomicInteger();
  private final List<String> tokenForms = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean ignoreRange;
  private volatile boolean halveNextPatch;
  private volatile boolean deafToPatches;
  private volatile boolean slowPatches;
  /** Docker Hub's pull budget: {limit, remaining}, stated on every manifest answer; null when none. */
  private volatile long[] pullLimit;
  /** Requests of one kind held until this many are asked for together (or 10 s pass); null when none are held. */
  private volatile Hold hold;
  private final AtomicInteger heldInFlight = new AtomicInteger();
  private final AtomicInteger heldInFlightAtMost = new AtomicInteger();

  /** The requests with {@code method} whose path holds {@code pathPart}, answered once {@code together} have come. */
  private record Hold(String method, String pathPart, CountDownLatch together) {
    boolean holds(String requestMethod, String path) {
      return requestMethod.equals(method) && path.contains(pathPart);
    }
  }

  /** A server speaking HTTPS with a self-signed certificate. */
  public FaultServer() throws IOException {
    this(true);
  }

  /** A server speaking plain HTTP, as registries reached with {@code --tls-verify=false} may. */
  public static FaultServer plain() throws IOException {
    return new FaultServer(false);
  }

  private FaultServer(boolean tls) throws IOException {
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls) {
      HttpsServer https = HttpsServer.create(loopback, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(tls()));
      server = https;
    } else {
      server = HttpServer.create(loopback, 0);
    }
    // A thread per exchange: a stalled answer must not hold up the others.
    server.setExecutor(handlers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A TLS context with a fresh self-signed key, made once by the JDK's keytool. */
  static synchronized SSLContext tls() throws IOException {
    if (tls == null) {
      Path dir = Files.createTempDirectory("fault-server-tls");
      Path keystore = dir.resolve("keystore.p12");
      String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
      Process p = new ProcessBuilder(keytool, "-genkeypair", "-keyalg", "EC", "-alias", "server",
              "-dname", "CN=127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
              "-keystore", keystore.toString(), "-storepass", "changeit")
          .redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), UTF_8);
      try {
        if (p.waitFor() != 0) {
          throw new IOException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
          store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        tls = context;
      } catch (GeneralSecurityException e) {
        throw new IOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      } finally {
        Files.deleteIfExists(keystore);
        Files.deleteIfExists(dir);
      }
    }
    return tls;
  }

  private String scheme() {
    return server instanceof HttpsServer ? "https" : "http";
  }

  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public void blob(Digest digest, byte[] bytes) {
    blobs.put(digest.toString(), bytes);
  }

  byte[] storedBlob(Digest digest) {
    return blobs.get(digest.toString());
  }

  /** Serves {@code bytes} under {@code reference}, saying {@code digest} in Docker-Content-Digest. */
  public void manifest(String reference, String mediaType, byte[] bytes, Digest digest) {
    manifests.put(reference, new Manifest(mediaType, bytes, digest.toString()));
  }

  /** From now on a manifest's HEAD says no Docker-Content-Digest (its GET still does), as some registries do. */
  void noDigestOnHead() {
    digestOnHead = false;
  }

  /**
   * From now on a manifest PUT of an index (OCI index or Docker manifest list) is answered 400
   * {@code MANIFEST_INVALID} with {@code message}, as a registry without multi-platform images
   * answers; other manifests are stored.
   */
  public void refuseIndexes(String message) {
    indexRefusal = Optional.of(message);
  }

  /** Queues faults for the next requests to {@code path}, in order. */
  void fail(String path, Fault... next) {
    faults.computeIfAbsent(path, p -> new ArrayDeque<>()).addAll(List.of(next));
  }

  /** Answers every /v2/ request with a Bearer challenge until it carries a token from /token, which wants user "mirror". */
  void requireBearer(String password) {
    bearerPassword = Optional.of(password);
  }

  /** The realm also grants tokens for an OAuth2 refresh-token grant ({@code POST /token}) with this token. */
  void acceptRefreshToken(String token) {
    refreshToken = Optional.of(token);
  }

  /** Tokens handed out so far expire now: the registry refuses them, the realm hands out a new one. */
  void revokeTokens() {
    validToken = "good-token-" + tokenGeneration.incrementAndGet();
  }

  /** The forms POSTed to the realm, decoded and in order. */
  ImmutableList<String> tokenForms() {
    synchronized (tokenForms) {
      return ImmutableList.copyOf(tokenForms);
    }
  }

  /** Answers ranged GETs with the whole blob, as some storage backends do. */
  void ignoreRange() {
    ignoreRange = true;
  }

  /** The next PATCH stores only the first half of its body and answers 500. */
  void halveNextPatch() {
    halveNextPatch = true;
  }

  /** From now on a PATCH's body is not read, nor the PATCH answered, until the server closes: a stalled upload. */
  void deafToPatches() {
    deafToPatches = true;
  }

  /**
   * From now on a PATCH's body is read at 64 KiB per 40 ms for 2 s, then at once: an upload
   * that lasts, the client's buffers full, its last byte sent only at the end.
   */
  void slowPatches() {
    slowPatches = true;
  }

  /** Upload sessions opened and neither finished nor cancelled. */
  int openUploads() {
    return uploads.size();
  }

  /** From now on every manifest answer states this pull budget, as Docker Hub does; each manifest GET spends one, none left is a 429. */
  public void pullLimit(long limit, long remaining) {
    pullLimit = new long[] {limit, remaining};
  }

  /**
   * From now on a tag list is answered only once {@code together} tag lists have been asked for
   * (or after 10 s): a client that lists one repository after another gets its lists slowly, and
   * {@link #heldInFlightAtMost} says how many it had asked for at once.
   */
  public void holdTagLists(int together) {
    hold = new Hold("GET", "/tags/list", new CountDownLatch(together));
  }

  /** As {@link #holdTagLists}, for the HEADs of manifests. */
  public void holdManifestHeads(int together) {
    hold = new Hold("HEAD", "/manifests/", new CountDownLatch(together));
  }

  /** The most held requests that were being answered at once. */
  public int heldInFlightAtMost() {
    return heldInFlightAtMost.get();
  }

  /** How many requests with {@code method} to paths starting with {@code path} arrived. */
  public int count(String method, String path) {
    return requests(method, path).size();
  }

  ImmutableList<Request> requests(String method, String path) {
    synchronized (requests) {
      return requests.stream()
          .filter(r -> r.method().equals(method) && r.path().startsWith(path))
          .collect(ImmutableList.toImmutableList());
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String query = Optional.ofNullable(ex.getRequestURI().getRawQuery()).orElse("");
      Optional<String> authorization = Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization"));
      requests.add(new Request(ex.getRequestMethod(), path, query,
          Optional.ofNullable(ex.getRequestHeaders().getFirst("Range")), authorization));
      // The whole request is read before any answer, as a registry does. The JDK's server drains
      // an unread body only after answering: the client, answered, may by then have sent its next
      // request on the connection, and that drain (through TLS) swallows it, unanswered, until the
      // idle connection is closed 30-40 s later. An answer without a body to a request whose body
      // is unread closes the connection under the client's next request instead.
      if (ex.getRequestMethod().equals("PATCH") && !patchRead(ex, path)) {
        return;
      }
      byte[] body = ex.getRequestMethod().equals("PATCH") && slowPatches
          ? readSlowly(ex.getRequestBody())
          : ex.getRequestBody().readAllBytes();
      Hold held = hold;
      if (held != null && held.holds(ex.getRequestMethod(), path)) {
        heldInFlightAtMost.accumulateAndGet(heldInFlight.incrementAndGet(), Math::max);
        held.together().countDown();
        try {
          held.together().await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          heldInFlight.decrementAndGet();
        }
      }
      if (path.equals("/token")) {
        token(ex, authorization, body);
        return;
      }
      if (bearerPassword.isPresent() && !authorization.equals(Optional.of("Bearer " + validToken))) {
        Matcher m = ROUTE.matcher(path);
        String scope = m.matches() ? ",scope=\"repository:" + m.group(1) + ":pull\"" : "";
        ex.getResponseHeaders().add("WWW-Authenticate",
            "Bearer realm=\"" + scheme() + "://" + host() + "/token\",service=\"fault\"" + scope);
        error(ex, 401, "UNAUTHORIZED");
        return;
      }
      Deque<Fault> queued = faults.get(path);
      Fault fault = queued == null ? null : queued.poll();
      if (fault instanceof Silence) {
      awaitClose();
      return;
    }
    if (fault instanceof Answer a) {
      a.headers().forEach((name, value) -> ex.getResponseHeaders().add(name, value));
      ex.sendResponseHeaders(a.code(), -1);
      return;
    }
    if (fault instanceof Status s) {
        s.retryAfter().ifPresent(r -> ex.getResponseHeaders().add("Retry-After", Integer.toString(r)));
        error(ex, s.code(), "INJECTED");
        return;
      }
      route(ex, path, query, body, fault);
    }
  }

  /**
   * Applies a PATCH's faults that act before its body is read whole: false when the exchange
   * ends there (a {@link Reset}, or deaf to PATCHes).
   */
  private boolean patchRead(HttpExchange ex, String path) throws IOException {
    Deque<Fault> queued = faults.get(path);
    if (queued != null && queued.peek() instanceof Reset reset) {
      queued.poll();
      byte[] part = ex.getRequestBody().readNBytes(reset.bytes());
      Matcher m = ROUTE.matcher(path);
      ByteArrayOutputStream upload = m.matches() && m.group(3) != null ? uploads.get(m.group(3)) : null;
      if (upload != null) {
        upload.write(part);
      }
      // Closing the exchange before any answer closes the connection under the client's body.
      return false;
    }
    if (deafToPatches) {
      awaitClose();
      return false;
    }
    return true;
  }

  private static byte[] readSlowly(InputStream body) throws IOException {
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    byte[] part = new byte[64 << 10];
    long slowUntil = System.nanoTime() + 2_000_000_000L;
    for (int n; System.nanoTime() < slowUntil && (n = body.readNBytes(part, 0, part.length)) > 0; ) {
      read.write(part, 0, n);
      try {
        Thread.sleep(40);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    body.transferTo(read);
    return read.toByteArray();
  }

  private void route(HttpExchange ex, String path, String query, byte[] request, Fault fault) throws IOException {
    if (path.equals("/v2/")) {
      send(ex, 200, "{}".getBytes(UTF_8), null);
      return;
    }
    Matcher m = ROUTE.matcher(path);
    if (!m.matches()) {
      error(ex, 404, "NOT_FOUND");
      return;
    }
    String method = ex.getRequestMethod();
    if (m.group(3) != null) {
      upload(ex, m.group(1), m.group(3), query, request);
    } else if (m.group(4) != null) {
      byte[] blob = blobs.get(m.group(4));
      if (blob == null) {
        error(ex, 404, "BLOB_UNKNOWN");
        return;
      }
      long from = 0;
      Matcher r = RANGE.matcher(Optional.ofNullable(ex.getRequestHeaders().getFirst("Range")).orElse(""));
      if (r.matches() && !ignoreRange) {
        from = Long.parseLong(r.group(1));
        ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (blob.length - 1) + "/" + blob.length);
      }
      byte[] body = java.util.Arrays.copyOfRange(blob, (int) from, blob.length);
      send(ex, from > 0 ? 206 : 200, method.equals("HEAD") ? null : body, fault);
    } else if (m.group(5) != null) {
      Manifest manifest = manifests.get(m.group(5));
      if (!spendPull(ex, method)) {
        return;
      }
      if (method.equals("PUT")) {
        putManifest(ex, m.group(5), request);
        return;
      }
      if (manifest == null) {
        error(ex, 404, "MANIFEST_UNKNOWN");
        return;
      }
      if (method.equals("DELETE")) {
        // A tag alone, as OCI distribution 1.1 registries delete it (docker-registry 2.x cannot).
        manifests.remove(m.group(5));
        send(ex, 202, null, null);
        return;
      }
      ex.getResponseHeaders().add("Content-Type", manifest.mediaType());
      if (!method.equals("HEAD") || digestOnHead) {
        ex.getResponseHeaders().add("Docker-Content-Digest", manifest.digestHeader());
      }
      if (method.equals("HEAD")) {
        ex.getResponseHeaders().add("Content-Length", Integer.toString(manifest.bytes().length));
      }
      send(ex, 200, method.equals("HEAD") ? null : manifest.bytes(), fault);
    } else {
      tags(ex, m.group(1), query);
    }
  }

  /** Stores a pushed manifest under its reference and its digest, unless it is an index being refused. */
  private void putManifest(HttpExchange ex, String reference, byte[] body) throws IOException {
    String mediaType = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
    if (indexRefusal.isPresent() && MediaTypes.isIndex(mediaType)) {
      error(ex, 400, "MANIFEST_INVALID", indexRefusal.get());
      return;
    }
    Digest digest = Digest.sha256(body);
    manifest(reference, mediaType, body, digest);
    manifest(digest.toString(), mediaType, body, digest);
    ex.getResponseHeaders().add("Docker-Content-Digest", digest.toString());
    send(ex, 201, new byte[0], null);
  }

  /** States the pull budget, spending one on a GET; false, with a 429 answered, when none is left. */
  private synchronized boolean spendPull(HttpExchange ex, String method) throws IOException {
    long[] budget = pullLimit;
    if (budget == null) {
      return true;
    }
    boolean spent = method.equals("GET") && budget[1] > 0;
    if (spent) {
      budget[1]--;
    }
    ex.getResponseHeaders().add("RateLimit-Limit", budget[0] + ";w=21600");
    ex.getResponseHeaders().add("RateLimit-Remaining", budget[1] + ";w=21600");
    if (method.equals("GET") && !spent) {
      error(ex, 429, "TOOMANYREQUESTS");
      return false;
    }
    return true;
  }

  /** Tags in name order, {@code n} per page, the next page linked as distribution v3 does. */
  private void tags(HttpExchange ex, String repository, String query) throws IOException {
    Map<String, String> params = params(query);
    List<String> all = manifests.keySet().stream().filter(k -> !Digest.isDigest(k)).sorted().toList();
    String last = params.getOrDefault("last", "");
    List<String> rest = all.stream().filter(t -> t.compareTo(last) > 0).toList();
    int n = Integer.parseInt(params.getOrDefault("n", "1000"));
    List<String> page = rest.subList(0, Math.min(n, rest.size()));
    if (page.size() < rest.size()) {
      ex.getResponseHeaders().add("Link",
          "</v2/" + repository + "/tags/list?n=" + n + "&last=" + page.get(page.size() - 1) + ">; rel=\"next\"");
    }
    String json = "{\"name\":\"" + repository + "\",\"tags\":[" + String.join(",", page.stream().map(t -> "\"" + t + "\"").toList()) + "]}";
    send(ex, 200, json.getBytes(UTF_8), null);
  }

  private void upload(HttpExchange ex, String repository, String id, String query, byte[] body) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("POST")) {
      String newId = Integer.toString(uploadIds.incrementAndGet());
      uploads.put(newId, new ByteArrayOutputStream());
      ex.getResponseHeaders().add("Location", "/v2/" + repository + "/blobs/uploads/" + newId);
      send(ex, 202, new byte[0], null);
      return;
    }
    ByteArrayOutputStream upload = uploads.get(id);
    if (upload == null) {
      error(ex, 404, "BLOB_UPLOAD_UNKNOWN");
      return;
    }
    ex.getResponseHeaders().add("Location", "/v2/" + repository + "/blobs/uploads/" + id);
    switch (method) {
      case "PATCH" -> {
        if (halveNextPatch) {
          halveNextPatch = false;
          upload.write(body, 0, body.length / 2);
          error(ex, 500, "INJECTED");
          return;
        }
        // A registry takes a part only where its copy ends.
        Matcher range = CONTENT_RANGE.matcher(Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Range")).orElse(""));
        if (range.matches() && Long.parseLong(range.group(1)) != upload.size()) {
          error(ex, 416, "BLOB_UPLOAD_INVALID");
          return;
        }
        upload.write(body);
        ex.getResponseHeaders().add("Range", "0-" + (upload.size() - 1));
        send(ex, 202, new byte[0], null);
      }
      case "GET" -> {
        ex.getResponseHeaders().add("Range", "0-" + Math.max(0, upload.size() - 1));
        send(ex, 204, null, null);
      }
      case "PUT" -> {
        upload.write(body);
        byte[] blob = upload.toByteArray();
        String digest = params(query).get("digest");
        if (!Digest.sha256(blob).toString().equals(digest)) {
          error(ex, 400, "DIGEST_INVALID");
          return;
        }
        uploads.remove(id);
        blobs.put(digest, blob);
        send(ex, 201, new byte[0], null);
      }
      case "DELETE" -> {
        uploads.remove(id);
        send(ex, 204, null, null);
      }
      default -> error(ex, 405, "UNSUPPORTED");
    }
  }

  private void token(HttpExchange ex, Optional<String> authorization, byte[] body) throws IOException {
    if (ex.getRequestMethod().equals("POST")) {
      String form = URLDecoder.decode(new String(body, UTF_8), UTF_8);
      tokenForms.add(form);
      if (refreshToken.isEmpty() || !form.contains("grant_type=refresh_token&refresh_token=" + refreshToken.get() + "&")) {
        error(ex, 401, "UNAUTHORIZED");
        return;
      }
      send(ex, 200, ("{\"access_token\":\"" + validToken + "\",\"expires_in\":300}").getBytes(UTF_8), null);
      return;
    }
    String expected = "Basic " + Base64.getEncoder().encodeToString(("mirror:" + bearerPassword.orElse("")).getBytes(UTF_8));
    if (!authorization.equals(Optional.of(expected))) {
      error(ex, 401, "UNAUTHORIZED");
      return;
    }
    send(ex, 200, ("{\"token\":\"" + validToken + "\",\"expires_in\":300}").getBytes(UTF_8), null);
  }

  private void error(HttpExchange ex, int status, String code) throws IOException {
    error(ex, status, code, "injected by the test");
  }

  private void error(HttpExchange ex, int status, String code, String message) throws IOException {
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1); // a HEAD answer has no body: a client would wait for one
      return;
    }
    byte[] body = ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}").getBytes(UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    send(ex, status, body, null);
  }

  /** Sends {@code body} (null: no body), spoiled by a Cut or Short fault when given. */
  private void send(HttpExchange ex, int status, byte[] body, Fault fault) throws IOException {
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    if (fault instanceof Short s) {
      ex.sendResponseHeaders(status, 0); // chunked: the body may end anywhere
      ex.getResponseBody().write(body, 0, Math.min(s.bytes(), body.length));
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    OutputStream out = ex.getResponseBody();
    if (fault instanceof Stall st) {
      out.write(body, 0, Math.min(st.bytes(), body.length));
      out.flush();
      awaitClose();
      return;
    }
    if (fault instanceof Cut c) {
      out.write(body, 0, Math.min(c.bytes(), body.length));
      out.flush();
      // Closing with bytes missing makes the server drop the connection.
      return;
    }
    out.write(body);
  }

  private void awaitClose() {
    try {
      closing.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<String, String> params(String query) {
    Map<String, String> params = new TreeMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), UTF_8));
      }
    }
    return params;
  }
}
