package org.layerfs.pipeline.flink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 in front of a port, counting the bytes clients send through it: put in
 * front of a JobManager's REST port, it counts what a submission uploads.
 */
final class CountingRelay implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final AtomicLong sent = new AtomicLong();

  private CountingRelay(int target) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = target;
    Thread accept = new Thread(this::accept, "relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  static CountingRelay to(int port) throws IOException {
    return new CountingRelay(port);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Bytes clients have sent through the relay so far. */
  long sent() {
    return sent.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        pump(client, upstream, sent);
        pump(upstream, client, new AtomicLong());
      } catch (IOException e) {
        if (!server.isClosed()) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** Copies {@code from} to {@code to} until either ends, then closes both. */
  private static void pump(Socket from, Socket to, AtomicLong count) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (from; to) {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
          count.addAndGet(n);
        }
      } catch (IOException e) {
        // One side closed: the other is closed with it.
      }
    }, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
