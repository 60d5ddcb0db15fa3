package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.testing.Tools;

/**
 * A real CNCF distribution registry ({@code docker-registry}, Debian's package) for tests: plain
 * HTTP on a free loopback port, storage and deletes enabled in a directory the test owns,
 * optionally behind htpasswd basic auth. Where the binary is not installed, tests are skipped,
 * or fail under {@code CI=true} ({@link Tools}). Other modules' tests reach it through the io
 * test-jar:
 *
 * <pre>{@code
 * @TempDir static Path dir;
 * static RegistryServer registry;
 * @BeforeAll static void start() throws IOException { registry = RegistryServer.start(dir); }
 * @AfterAll static void stop() { registry.close(); }
 * ... registry.reference("mirror/small:1") ... registry.config() ...
 * }</pre>
 */
public final class RegistryServer implements AutoCloseable {
  private static final String BINARY = "docker-registry";
  private static final Duration STARTUP = Duration.ofSeconds(20);
  private static final int PORT_ATTEMPTS = 3;

  private final Process process;
  private final Thread killOnExit;
  private final String host;

  private RegistryServer(Process process, String host) {
    this.process = process;
    this.host = host;
    // A test JVM that dies without closing must not leave a registry behind.
    this.killOnExit = new Thread(process::destroyForcibly, "stop docker-registry");
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** Starts an anonymous registry storing into {@code dir}; skips the test when none is installed. */
  public static RegistryServer start(Path dir) throws IOException {
    return start(dir, "");
  }

  /** Starts a registry that wants {@code user}/{@code password} (htpasswd, bcrypt) for everything. */
  public static RegistryServer startWithBasicAuth(Path dir, String user, String password) throws IOException {
    Files.createDirectories(dir);
    Path htpasswd = dir.resolve("htpasswd");
    String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, password.toCharArray());
    Files.writeString(htpasswd, user + ":" + hash + "\n", UTF_8);
    String auth = "auth:\n  htpasswd:\n    realm: layerfs-test\n    path: " + htpasswd + "\n";
    return start(dir, auth);
  }

  private static RegistryServer start(Path dir, String authSection) throws IOException {
    Path binary = Tools.require(BINARY);
    Files.createDirectories(dir);
    IOException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      // The port is free when chosen; another process may take it before the registry binds.
      String host = "127.0.0.1:" + freePort();
      Path config = dir.resolve("config.yml");
      Files.writeString(config, config(dir.resolve("storage"), host, authSection), UTF_8);
      Path log = dir.resolve("registry.log");
      Process process =
          new ProcessBuilder(binary.toString(), "serve", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      RegistryServer server = new RegistryServer(process, host);
      try {
        server.awaitReady(log);
        return server;
      } catch (IOException e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private static String config(Path storage, String host, String authSection) {
    return String.join(
        "\n",
        "version: 0.1",
        "log:",
        "  level: warn",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        "    rootdirectory: " + storage,
        "  delete:",
        "    enabled: true",
        "http:",
        "  addr: " + host,
        "  secret: layerfs-test-secret",
        authSection);
  }

  private void awaitReady(Path log) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(BINARY + " exited with " + process.exitValue() + ": " + Files.readString(log, UTF_8));
      }
      try {
        int status = http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for " + BINARY);
      }
      sleep(Duration.ofMillis(50));
    }
    throw new IOException(BINARY + " did not answer on " + host + " within " + STARTUP + ": " + Files.readString(log, UTF_8));
  }

  /** The registry's {@code 127.0.0.1:PORT}. */
  public String host() {
    return host;
  }

  /** {@code docker://127.0.0.1:PORT/} followed by {@code repository[:tag|@digest]}. */
  public ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse("docker://" + host + "/" + repositoryAndTag);
  }

  /**
   * A client configuration for this registry: {@code --tls-verify=false} (it speaks plain
   * HTTP), no auth file of the user's, and short backoffs.
   */
  public RegistryConfig config() {
    return RegistryConfig.builder()
        .setTlsVerify(false)
        .setAuthFiles(ImmutableList.of())
        .setInitialBackoff(Duration.ofMillis(20))
        .setMaxBackoff(Duration.ofMillis(200))
        .build();
  }

  /** Stops the registry and waits for it to exit. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down; the hook runs anyway
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(Duration d) throws InterruptedIOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }
}
