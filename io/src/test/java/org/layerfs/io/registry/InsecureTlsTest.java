package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.testing.ChildJvmClasses;
import org.layerfs.io.model.Digest;

/**
 * {@code --tls-verify=false}: a registry on TLS with a certificate nobody signed is spoken to, and
 * one on plain HTTP costs no TLS context ({@link InsecureTls#deferred}).
 */
class InsecureTlsTest {
  private static final Digest BLOB = Digest.parse("sha256:" + "a".repeat(64));
  private static final char[] PASSWORD = "password".toCharArray();

  @TempDir Path dir;

  private static RegistryConfig unverified() {
    return RegistryConfig.builder().setTlsVerify(false).setAuthFiles(ImmutableList.of()).build();
  }

  /** A registry that has every blob: answers each HEAD with 200. */
  private static void hasEveryBlob(HttpServer server, AtomicInteger heads) {
    server.createContext("/v2/", exchange -> {
      heads.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
  }

  @Test
  void speaksTlsToARegistryWhoseCertificateNobodySigned() throws Exception {
    Path keys = dir.resolve("keys.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-keyalg", "EC", "-alias", "registry", "-dname", "CN=unknown.invalid", "-validity", "2",
            "-storetype", "PKCS12", "-keystore", keys.toString(), "-storepass", new String(PASSWORD))
        .redirectErrorStream(true).start();
    String log = new String(keytool.getInputStream().readAllBytes(), UTF_8);
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, log);
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keys)) {
      store.load(in, PASSWORD);
    }
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(store, PASSWORD);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keyManagers.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    AtomicInteger heads = new AtomicInteger();
    hasEveryBlob(server, heads);
    try (RegistryConnections connections = new RegistryConnections()) {
      RegistryClient client = RegistryClient.create("127.0.0.1:" + server.getAddress().getPort(), unverified(), connections);
      assertTrue(client.hasBlob("repo", BLOB));
      assertTrue(client.hasBlob("repo", BLOB), "a second connection, from the same context");
    } finally {
      server.stop(0);
    }
    assertEquals(2, heads.get());
  }

  @Test
  void theDeferredContextsDefaultsAreTheRealOnes() {
    SSLParameters deferred = InsecureTls.deferred().getDefaultSSLParameters();
    SSLParameters real = InsecureTls.context().getDefaultSSLParameters();
    assertArrayEquals(real.getCipherSuites(), deferred.getCipherSuites());
    assertArrayEquals(real.getProtocols(), deferred.getProtocols());
    assertArrayEquals(real.getApplicationProtocols(), deferred.getApplicationProtocols());
    assertEquals(real.getWantClientAuth(), deferred.getWantClientAuth());
    assertEquals(real.getNeedClientAuth(), deferred.getNeedClientAuth());
    assertEquals(real.getAlgorithmConstraints().getClass(), deferred.getAlgorithmConstraints().getClass());
    assertEquals(real.getEndpointIdentificationAlgorithm(), deferred.getEndpointIdentificationAlgorithm());
    assertEquals(real.getServerNames(), deferred.getServerNames());
    assertEquals(real.getSNIMatchers(), deferred.getSNIMatchers());
    assertEquals(real.getUseCipherSuitesOrder(), deferred.getUseCipherSuitesOrder());
    assertEquals(real.getEnableRetransmissions(), deferred.getEnableRetransmissions());
    assertEquals(real.getMaximumPacketSize(), deferred.getMaximumPacketSize());
  }

  @Test
  void aRegistryOnPlainHttpCostsNoTlsContext() throws Exception {
    assertEquals(List.of(), ChildJvmClasses.loadedOf(PlainClient.class, List.of("sun.security.ssl.SSLContextImpl")));
  }

  /** The child: a HEAD to a plain HTTP registry, unverified. */
  public static final class PlainClient {
    public static void main(String[] args) throws Exception {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      AtomicInteger heads = new AtomicInteger();
      hasEveryBlob(server, heads);
      try (RegistryConnections connections = new RegistryConnections()) {
        RegistryClient client = RegistryClient.create("127.0.0.1:" + server.getAddress().getPort(), unverified(), connections);
        if (!client.hasBlob("repo", BLOB) || heads.get() != 1) {
          throw new AssertionError("the plain registry was not asked");
        }
      } finally {
        server.stop(0);
      }
    }
  }
}
