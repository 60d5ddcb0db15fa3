package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.model.Descriptor;

/**
 * Pushes one blob: POST to open an upload, then either one PUT with the bytes (small blobs) or
 * PATCHes of one chunk each and an empty PUT (large ones). The bytes are verified against the
 * descriptor as they are read, before the final PUT, and the registry checks the digest again
 * on that PUT. Every upload session that will not be finished, whatever failed, is cancelled
 * (DELETE), so the registry does not keep it until it expires.
 */
final class BlobUpload {
  private static final Pattern RANGE = Pattern.compile("(?:bytes=)?0-(\\d+)");

  private final RegistryCaller caller;
  private final String repository;
  private final Descriptor blob;

  BlobUpload(RegistryCaller caller, String repository, Descriptor blob) {
    this.caller = caller;
    this.repository = repository;
    this.blob = blob;
  }

  /** Uploads {@code content}, which must hold exactly the blob's bytes. */
  void push(InputStream content) throws IOException {
    String what = "registry " + caller.registry() + ", repository " + repository + ", push blob " + blob.digest();
    try (VerifyingInputStream in = new VerifyingInputStream(content, blob, what)) {
      if (blob.size() < caller.config().chunkedUploadThreshold()) {
        pushWhole(readWhole(in));
      } else {
        pushChunked(in);
      }
    }
  }

  /**
   * The blob's bytes in one array of its declared size: no growing copies as in {@code
   * readAllBytes}. The read past the last byte verifies them, and a longer blob fails on its
   * first extra byte.
   */
  private byte[] readWhole(VerifyingInputStream in) throws IOException {
    byte[] bytes = new byte[(int) blob.size()];
    in.readNBytes(bytes, 0, bytes.length);
    in.read();
    return bytes;
  }

  /**
   * POST, then one PUT with every byte. A transient failure of either restarts the upload (a
   * half-received PUT spoils its session): each attempt of the retry policy sends one of each.
   */
  private void pushWhole(byte[] bytes) throws IOException {
    caller.retry().run(attempt -> {
      URI location = caller.once(new Start());
      try {
        return caller.once(new Complete(location, bytes));
      } catch (IOException | RuntimeException e) {
        cancel(location);
        throw e;
      }
    });
  }

  private void pushChunked(VerifyingInputStream in) throws IOException {
    URI location = caller.call(new Start());
    try {
      byte[] chunk = new byte[caller.config().chunkSize()];
      long offset = 0;
      // The read that reaches the end verifies size and digest, so a wrong blob never reaches the PUT.
      for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; offset += n) {
        location = new ChunkTransfer(location, chunk, n, offset).send();
      }
      caller.call(new Complete(location, new byte[0]));
    } catch (IOException | RuntimeException | Error e) {
      cancel(location);
      throw e;
    }
  }

  /**
   * One chunk's PATCH under the retry policy: after a transient failure, asks the registry how
   * much of the chunk it holds (part of the same attempt) and sends only the rest.
   */
  private final class ChunkTransfer {
    private final byte[] chunk;
    private final int n;
    private final long start;
    private URI location;
    private int sent;

    /** The chunk {@code chunk[0..n)}, which starts at blob byte {@code start}. */
    ChunkTransfer(URI location, byte[] chunk, int n, long start) {
      this.location = location;
      this.chunk = chunk;
      this.n = n;
      this.start = start;
    }

    /** Sends the chunk; returns where the upload continues. */
    URI send() throws IOException {
      return caller.retry().run(attempt -> {
        if (attempt > 1 && resync()) {
          return location;
        }
        return caller.once(new Chunk(location, chunk, sent, n, start));
      });
    }

    /** Learns how much the registry holds; true when that is the whole chunk. */
    private boolean resync() throws IOException {
      Status status = caller.once(new StatusCheck(location));
      long have = status.offset();
      if (have < start || have > start + n) {
        throw new RegistryException(
            caller.describe(new Chunk(location, chunk, sent, n, start)) + ": after a failure the registry holds "
                + have + " bytes, not between " + start + " and " + (start + n),
            OptionalInt.empty(), false, Optional.empty(), null);
      }
      location = status.location().orElse(location);
      sent = (int) (have - start);
      return sent == n;
    }
  }

  private void cancel(URI location) {
    UploadCancel.quietly(caller, repository, location);
  }

  private URI location(HttpResponse<?> response) throws RegistryException {
    Optional<String> location = response.headers().firstValue("Location");
    if (location.isEmpty()) {
      throw new RegistryException(
          "registry " + caller.registry() + ", repository " + repository + ", push blob " + blob.digest()
              + ": the registry answered " + response.statusCode() + " without a Location",
          OptionalInt.of(response.statusCode()), false, Optional.empty(), null);
    }
    return response.uri().resolve(location.get());
  }

  /** How far an upload has come, and where to continue it. */
  private record Status(long offset, Optional<URI> location) {}

  /** The steps share repository, scope and naming. */
  private abstract class Step<T> implements RegistryOperation<T> {
    @Override
    public String repository() {
      return repository;
    }

    @Override
    public ImmutableList<String> scopes() {
      return ImmutableList.of(RegistryOperation.pushScope(repository));
    }
  }

  /** POST that opens an upload session. */
  private final class Start extends Step<URI> {
    @Override
    public String description() {
      return "start upload of blob " + blob.digest();
    }

    @Override
    public URI uri(URI base) {
      return base.resolve("/v2/" + repository + "/blobs/uploads/");
    }

    @Override
    public HttpRequest.Builder request(URI uri) {
      return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody());
    }

    @Override
    public URI handle(HttpResponse<InputStream> response) throws IOException {
      return location(response);
    }
  }

  /** PATCH of the part {@code [from, to)} of a chunk that starts at blob byte {@code start}. */
  private final class Chunk extends Step<URI> {
    private final URI location;
    private final byte[] chunk;
    private final int from;
    private final int to;
    private final long start;

    Chunk(URI location, byte[] chunk, int from, int to, long start) {
      this.location = location;
      this.chunk = chunk;
      this.from = from;
      this.to = to;
      this.start = start;
    }

    @Override
    public String description() {
      return "upload bytes " + (start + from) + "-" + (start + to - 1) + " of blob " + blob.digest();
    }

    @Override
    public URI uri(URI base) {
      return location;
    }

    @Override
    public HttpRequest.Builder request(URI uri) {
      return HttpRequest.newBuilder(uri)
          .header("Content-Type", "application/octet-stream")
          .header("Content-Range", (start + from) + "-" + (start + to - 1))
          .method("PATCH", ArrayBody.of(chunk, from, to));
    }

    @Override
    public URI handle(HttpResponse<InputStream> response) throws IOException {
      return location(response);
    }
  }

  /** GET of an upload's status: the {@code Range} the registry holds. */
  private final class StatusCheck extends Step<Status> {
    private final URI location;

    StatusCheck(URI location) {
      this.location = location;
    }

    @Override
    public String description() {
      return "check upload of blob " + blob.digest();
    }

    @Override
    public URI uri(URI base) {
      return location;
    }

    @Override
    public HttpRequest.Builder request(URI uri) {
      return HttpRequest.newBuilder(uri).GET();
    }

    @Override
    public Status handle(HttpResponse<InputStream> response) {
      // "0-0" is ambiguous (nothing, or one byte); reading it as nothing at worst resends a byte,
      // which the registry's digest check on the final PUT then refuses.
      Matcher m = RANGE.matcher(response.headers().firstValue("Range").orElse(""));
      long end = m.matches() ? Long.parseLong(m.group(1)) : -1;
      long offset = end <= 0 ? 0 : end + 1;
      return new Status(offset, response.headers().firstValue("Location").map(l -> response.uri().resolve(l)));
    }
  }

  /** PUT that closes the upload under the blob's digest, with the last bytes (or all of them). */
  private final class Complete extends Step<Boolean> {
    private final URI location;
    private final byte[] bytes;

    Complete(URI location, byte[] bytes) {
      this.location = location;
      this.bytes = bytes;
    }

    @Override
    public String description() {
      return "finish upload of blob " + blob.digest();
    }

    @Override
    public URI uri(URI base) {
      return RegistryOperation.withQuery(
          location, "digest", URLEncoder.encode(blob.digest().toString(), StandardCharsets.UTF_8));
    }

    @Override
    public HttpRequest.Builder request(URI uri) {
      return HttpRequest.newBuilder(uri)
          .header("Content-Type", "application/octet-stream")
          .PUT(ArrayBody.of(bytes));
    }

    @Override
    public Boolean handle(HttpResponse<InputStream> response) {
      return true;
    }
  }
}
