package org.layerfs.io.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsProbeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @Test
  void aTlsServerAnswersTheHelloWithATlsRecord() throws IOException {
    try (FaultServer tls = new FaultServer()) {
      assertTrue(TlsProbe.handshakes("127.0.0.1", port(tls.host()), TIMEOUT));
      // The name is sent as the server name, as a client with a name would.
      assertTrue(TlsProbe.handshakes("localhost", port(tls.host()), TIMEOUT));
    }
  }

  @Test
  void plainHttpServersAreNotTls(@TempDir Path dir) throws IOException {
    try (FaultServer plain = FaultServer.plain(); RegistryServer registry = RegistryServer.start(dir)) {
      assertFalse(TlsProbe.handshakes("127.0.0.1", port(plain.host()), TIMEOUT));
      assertFalse(TlsProbe.handshakes("127.0.0.1", port(registry.host()), TIMEOUT));
    }
  }

  @Test
  void aClosedPortIsNotTls() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertFalse(TlsProbe.handshakes("127.0.0.1", port, TIMEOUT));
  }

  @Test
  void theHelloIsOneWellFormedHandshakeRecordWithALineBreakForPlainServers() {
    byte[] hello = TlsProbe.clientHello("registry.example");
    assertEquals(0x16, hello[0]);
    assertEquals(hello.length - 5, ((hello[3] & 0xff) << 8) | (hello[4] & 0xff), "record length");
    assertEquals(1, hello[5], "client_hello");
    assertEquals(hello.length - 9, ((hello[6] & 0xff) << 16) | ((hello[7] & 0xff) << 8) | (hello[8] & 0xff), "message length");
    assertEquals("\r\n", new String(hello, 11, 2, java.nio.charset.StandardCharsets.US_ASCII), "the random starts with a line break");
    assertTrue(new String(hello, java.nio.charset.StandardCharsets.US_ASCII).contains("registry.example"), "server name");
    assertFalse(new String(TlsProbe.clientHello("10.0.0.1"), java.nio.charset.StandardCharsets.US_ASCII).contains("10.0.0.1"),
        "no server name for an address");
  }

  private static int port(String host) {
    return Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
  }
}
