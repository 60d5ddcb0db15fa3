package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLSocket;

/**
 * Whether a server speaks TLS: a handshake, certificates unchecked, and nothing else sent. Used
 * only for registries whose TLS is not verified, to choose between HTTPS and plain HTTP.
 */
final class TlsProbe {
  private TlsProbe() {}

  /** True when a TLS handshake with {@code host:port} completes within {@code timeout}. */
  static boolean handshakes(String host, int port, Duration timeout) throws InterruptedIOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    try (Socket raw = new Socket()) {
      raw.connect(new InetSocketAddress(host, port), millis);
      raw.setSoTimeout(millis);
      try (SSLSocket tls = (SSLSocket) InsecureTls.context().getSocketFactory().createSocket(raw, host, port, true)) {
        tls.startHandshake();
        return true;
      }
    } catch (InterruptedIOException e) {
      if (e instanceof SocketTimeoutException) {
        return false; // a plain server waiting for a request line it will never get
      }
      throw e;
    } catch (IOException e) {
      return false; // refused, or an answer that is not TLS
    }
  }
}
