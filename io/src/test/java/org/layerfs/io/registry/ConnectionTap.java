package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP relay in front of a server that records the first byte of every connection made through
 * it: {@code 0x16} opens a TLS handshake, anything else is clear text.
 */
final class ConnectionTap implements AutoCloseable {
  static final int TLS_HANDSHAKE = 0x16;

  private final ServerSocket listener;
  private final int target;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Integer> firstBytes = Collections.synchronizedList(new ArrayList<>());

  /** A relay to {@code host} ({@code 127.0.0.1:PORT}). */
  ConnectionTap(String host) throws IOException {
    this.target = Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  String host() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /** The first byte of each connection so far, in order. */
  ImmutableList<Integer> firstBytes() {
    synchronized (firstBytes) {
      return ImmutableList.copyOf(firstBytes);
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        threads.execute(() -> relay(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void relay(Socket client) {
    try (client; Socket server = new Socket(InetAddress.getLoopbackAddress(), target)) {
      int first = client.getInputStream().read();
      if (first < 0) {
        return;
      }
      firstBytes.add(first);
      server.getOutputStream().write(first);
      InputStream fromClient = client.getInputStream();
      OutputStream toServer = server.getOutputStream();
      threads.execute(() -> pump(fromClient, toServer));
      pump(server.getInputStream(), client.getOutputStream());
    } catch (IOException e) {
      // a side hung up: the relay ends with it
    }
  }

  private static void pump(InputStream in, OutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException e) {
      // the other direction's end closes the sockets
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    threads.shutdownNow();
  }
}
