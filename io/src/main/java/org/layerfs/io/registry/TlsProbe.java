package org.layerfs.io.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether a server speaks TLS: a TLS 1.2/1.3 ClientHello is sent, and the first bytes of the
 * answer read. A server that speaks TLS answers with a TLS record, its hello (or a
 * HelloRetryRequest, as the hello offers no key share) or an alert; a plain HTTP server with a
 * status line, by hanging up, or by waiting. Used only for registries whose TLS is not
 * verified, to choose between HTTPS and plain HTTP. The JDK's own handshake, which this replaced,
 * made key shares and set up its TLS engine for a server that then said "400 Bad Request": 0.46
 * CPU s of a registry command's start (README, "Where a registry copy's CPU goes").
 */
final class TlsProbe {
  private static final int HANDSHAKE = 0x16;
  private static final int ALERT = 0x15;
  private static final int[] CIPHER_SUITES = {
    0x1301, 0x1302, 0x1303, // TLS 1.3
    0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, // ECDHE, AEAD
    0x009c, 0x009d, 0x002f, 0x0035, // RSA key exchange
  };
  private static final int[] GROUPS = {0x001d, 0x0017, 0x0018}; // x25519, secp256r1, secp384r1
  private static final int[] SIGNATURES = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

  private TlsProbe() {}

  /** True when {@code host:port} answers a ClientHello with a TLS record within {@code timeout}. */
  static boolean handshakes(String host, int port, Duration timeout) throws InterruptedIOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      socket.getOutputStream().write(clientHello(host));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      int type = in.read();
      int major = in.read();
      return (type == HANDSHAKE || type == ALERT) && major == 3;
    } catch (InterruptedIOException e) {
      if (e instanceof SocketTimeoutException) {
        return false; // a plain server waiting for the rest of a request line
      }
      throw e;
    } catch (IOException e) {
      return false; // refused, or reset
    }
  }

  /**
   * One handshake record holding a ClientHello. Its random holds a line break, so that a plain
   * HTTP server reads a (malformed) request line and answers at once rather than waiting.
   */
  static byte[] clientHello(String host) {
    Bytes hello = new Bytes();
    hello.u16(0x0303);
    byte[] random = new byte[32];
    ThreadLocalRandom.current().nextBytes(random);
    random[0] = '\r';
    random[1] = '\n';
    hello.raw(random);
    hello.u8(0); // no session id
    hello.u16(CIPHER_SUITES.length * 2);
    for (int suite : CIPHER_SUITES) {
      hello.u16(suite);
    }
    hello.u8(1);
    hello.u8(0); // no compression
    Bytes extensions = new Bytes();
    if (!isAddress(host)) {
      byte[] name = host.getBytes(StandardCharsets.US_ASCII);
      Bytes sni = new Bytes();
      sni.u16(name.length + 3);
      sni.u8(0);
      sni.u16(name.length);
      sni.raw(name);
      extensions.extension(0x0000, sni);
    }
    extensions.extension(0x000a, list16(GROUPS));
    Bytes pointFormats = new Bytes();
    pointFormats.u8(1);
    pointFormats.u8(0);
    extensions.extension(0x000b, pointFormats);
    extensions.extension(0x000d, list16(SIGNATURES));
    Bytes versions = new Bytes();
    versions.u8(4);
    versions.u16(0x0304);
    versions.u16(0x0303);
    extensions.extension(0x002b, versions);
    Bytes pskModes = new Bytes();
    pskModes.u8(1);
    pskModes.u8(1);
    extensions.extension(0x002d, pskModes);
    Bytes noKeyShares = new Bytes();
    noKeyShares.u16(0);
    extensions.extension(0x0033, noKeyShares);
    hello.u16(extensions.size());
    hello.raw(extensions.toByteArray());

    Bytes record = new Bytes();
    record.u8(HANDSHAKE);
    record.u16(0x0301);
    record.u16(hello.size() + 4);
    record.u8(1); // client_hello
    record.u8(hello.size() >>> 16);
    record.u16(hello.size() & 0xffff);
    record.raw(hello.toByteArray());
    return record.toByteArray();
  }

  /** An IP address, which the server name extension must not carry. */
  private static boolean isAddress(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
  }

  private static Bytes list16(int[] values) {
    Bytes b = new Bytes();
    b.u16(values.length * 2);
    for (int v : values) {
      b.u16(v);
    }
    return b;
  }

  /** Big-endian TLS encoding. */
  private static final class Bytes extends ByteArrayOutputStream {
    void u8(int v) {
      write(v);
    }

    void u16(int v) {
      write(v >>> 8);
      write(v);
    }

    void raw(byte[] bytes) {
      write(bytes, 0, bytes.length);
    }

    void extension(int type, Bytes body) {
      u16(type);
      u16(body.size());
      raw(body.toByteArray());
    }
  }
}
