package org.layerfs.pipeline.flink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay on 127.0.0.1 in front of a port, counting the bytes clients send through it: put in
 * front of a JobManager's REST port, it counts what a submission uploads. It also keeps the
 * request lines clients send ({@code GET /PATH HTTP/1.1}), to count requests by path.
 */
final class CountingRelay implements AutoCloseable {
  private static final Pattern REQUEST_LINE = Pattern.compile("(GET|POST|PUT|PATCH|DELETE|HEAD) /\\S* HTTP/1\\.[01]\r\n");
  private final ServerSocket server;
  private final int target;
  private final AtomicLong sent = new AtomicLong();
  private final Queue<String> requestLines = new ConcurrentLinkedQueue<>();

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

  /** How many requests clients have sent for a path that contains {@code part}. */
  long requests(String part) {
    return requestLines.stream().filter(l -> l.split(" ")[1].contains(part)).count();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        pump(client, upstream, sent, requestLines);
        pump(upstream, client, new AtomicLong(), new ConcurrentLinkedQueue<>());
      } catch (IOException e) {
        if (!server.isClosed()) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** Copies {@code from} to {@code to} until either ends, then closes both; adds the request lines seen to {@code lines}. */
  private static void pump(Socket from, Socket to, AtomicLong count, Queue<String> lines) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      // The end of what came before, in case a request line is split between two reads.
      String carry = "";
      try (from; to) {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
          count.addAndGet(n);
          String text = carry + new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
          Matcher m = REQUEST_LINE.matcher(text);
          int end = 0;
          while (m.find()) {
            lines.add(m.group());
            end = m.end();
          }
          carry = text.substring(Math.max(end, text.length() - 1024));
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
