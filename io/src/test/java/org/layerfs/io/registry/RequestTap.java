package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMultiset;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A clear-text HTTP/1.1 relay in front of a real registry that records every request made
 * through it ({@code METHOD /path?query}); bytes pass unchanged both ways. The registry keeps no
 * request log a test can read, so request counts are taken here.
 */
public final class RequestTap implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private static final int TLS_HANDSHAKE = 0x16;

  private final AtomicInteger tlsProbes = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  /** Requests sent on and not yet answered in full, over every connection; and the most at once. */
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  /** A relay to {@code host} ({@code 127.0.0.1:PORT}). */
  public RequestTap(String host) throws IOException {
    this.target = Integer.parseInt(host.substring(host.lastIndexOf(':') + 1));
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  public String host() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /** Every request so far, {@code METHOD /path}, in the order they arrived. */
  public ImmutableList<String> requests() {
    synchronized (requests) {
      return ImmutableList.copyOf(requests);
    }
  }

  /** The requests so far counted by method and the kind of path ({@code HEAD manifest}, {@code GET tags}, ...). */
  public ImmutableMultiset<String> kinds() {
    return requests().stream().map(RequestTap::kind).collect(ImmutableMultiset.toImmutableMultiset());
  }

  /** Connections that opened with a TLS handshake (which the clear-text registry refuses). */
  public int tlsProbes() {
    return tlsProbes.get();
  }

  /** HTTP connections made (a client opens one for each request it has in flight at once, and may replace one). */
  public int connections() {
    return connections.get();
  }

  /**
   * The most requests that were in flight at once (sent on, their answer not yet passed back in
   * full): what a client's limit on concurrent requests bounds, whichever connections it uses.
   */
  public int mostInFlight() {
    return mostInFlight.get();
  }

  public void clear() {
    requests.clear();
    tlsProbes.set(0);
    connections.set(0);
    mostInFlight.set(inFlight.get());
  }

  private static void pump(InputStream in, OutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException e) {
      // the other direction's end closes the sockets
    }
  }

  private static String kind(String request) {
    String[] parts = request.split(" ", 2);
    String path = parts[1].replaceAll("\\?.*", "");
    String what;
    if (path.matches("/v2/?")) {
      what = "ping";
    } else if (path.contains("/manifests/")) {
      what = "manifest";
    } else if (path.endsWith("/tags/list")) {
      what = "tags";
    } else if (path.contains("/referrers/")) {
      what = "referrers";
    } else if (path.contains("/blobs/uploads/")) {
      what = "upload";
    } else if (path.contains("/blobs/")) {
      what = "blob";
    } else {
      what = path;
    }
    return parts[0] + " " + what;
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
      PushbackInputStream fromClient = new PushbackInputStream(new BufferedInputStream(client.getInputStream()));
      OutputStream toServer = server.getOutputStream();
      int first = fromClient.read();
      if (first < 0) {
        return;
      }
      fromClient.unread(first);
      if (first == TLS_HANDSHAKE) {
        // layerfs probes for TLS once per client under --tls-verify=false: a connection, not a request
        tlsProbes.incrementAndGet();
        threads.execute(() -> pump(fromClient, toServer));
        server.getInputStream().transferTo(client.getOutputStream());
      } else {
        connections.incrementAndGet();
        BlockingQueue<String> methods = new LinkedBlockingQueue<>();
        threads.execute(() -> requests(fromClient, toServer, methods));
        answers(new BufferedInputStream(server.getInputStream()), client.getOutputStream(), methods);
      }
    } catch (IOException e) {
      // a side hung up: the relay ends with it
    }
  }

  /** Passes requests on one by one, recording each request line; bodies by length or chunked. */
  private void requests(InputStream in, OutputStream out, BlockingQueue<String> methods) {
    try {
      while (true) {
        String line = line(in, out);
        if (line == null) {
          return;
        }
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split(" ");
        requests.add(parts[0] + " " + parts[1]);
        methods.add(parts[0]);
        mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        Framing body = headers(in, out, 0);
        out.flush();
        body.pass(in, out);
        out.flush();
      }
    } catch (IOException e) {
      // the other direction's end closes the sockets
    }
  }

  /**
   * Passes answers back one by one, each ending a request in flight once its body (by length,
   * chunked, none for HEAD, 204 and 304, or up to the end) has passed.
   */
  private void answers(InputStream in, OutputStream out, BlockingQueue<String> methods) throws IOException {
    try {
      while (true) {
        String status = line(in, out);
        if (status == null) {
          return;
        }
        if (status.isEmpty()) {
          continue;
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        Framing body = headers(in, out, -1);
        if (code / 100 == 1) {
          out.flush();
          continue; // an interim answer: the final one follows
        }
        String method = methods.take();
        if (!method.equals("HEAD") && code != 204 && code != 304) {
          body.pass(in, out);
        }
        out.flush();
        inFlight.decrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.addAndGet(-methods.size()); // the connection ended with these unanswered
    }
  }

  /** How a message's body ends: after {@code length} bytes (-1: at the end of the stream), or chunked. */
  private record Framing(long length, boolean chunked) {
    void pass(InputStream in, OutputStream out) throws IOException {
      if (chunked) {
        for (long size = chunk(in, out); size > 0; size = chunk(in, out)) {
          copy(in, out, size + 2); // the chunk and its CRLF
        }
        for (String trailer = line(in, out); trailer != null && !trailer.isEmpty(); trailer = line(in, out)) {}
      } else if (length >= 0) {
        copy(in, out, length);
      } else {
        in.transferTo(out);
      }
    }
  }

  /** Passes a message's headers on; {@code noLength} when it has no Content-Length. */
  private static Framing headers(InputStream in, OutputStream out, long noLength) throws IOException {
    long length = noLength;
    boolean chunked = false;
    for (String header = line(in, out); header != null && !header.isEmpty(); header = line(in, out)) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(lower.substring("content-length:".length()).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    return new Framing(length, chunked);
  }

  private static long chunk(InputStream in, OutputStream out) throws IOException {
    String size = line(in, out);
    return size == null ? 0 : Long.parseLong(size.split(";")[0].trim(), 16);
  }

  private static void copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buffer = new byte[8192];
    while (n > 0) {
      int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
      if (r < 0) {
        throw new IOException("body cut short");
      }
      out.write(buffer, 0, r);
      n -= r;
    }
  }

  /** Reads one CRLF-terminated line, passing it on; null at the end of the stream. */
  private static String line(InputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      out.write(b);
      if (b == '\n') {
        String text = line.toString(ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    listener.close();
    threads.shutdownNow();
  }
}
