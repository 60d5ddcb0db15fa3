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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.blob.BlobOpener;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.model.Descriptor;

/**
 * Pushes one blob: POST to open an upload, then either one PUT with the bytes (small blobs) or
 * one PATCH streaming them from the source and an empty PUT (large ones), as skopeo and docker
 * push: the registry syncs its copy at the end of every PATCH, so one per blob costs it least.
 * The bytes are verified against the descriptor as they are read, before the final PUT, and the
 * registry checks the digest again on that PUT. Every upload session that will not be finished,
 * whatever failed, is cancelled (DELETE), so the registry does not keep it until it expires.
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

  /**
   * Uploads {@code content}, which must hold exactly the blob's bytes. It is read once: a large
   * upload that breaks fails rather than continuing.
   */
  void push(InputStream content) throws IOException {
    AtomicBoolean opened = new AtomicBoolean();
    push(offset -> {
      if (opened.getAndSet(true)) {
        throw new IOException(what() + ": broke, and its source cannot be read again");
      }
      return content;
    });
  }

  /** Uploads the bytes {@code source} opens; a large upload that breaks opens it again where the registry's copy ends. */
  void push(BlobOpener source) throws IOException {
    if (blob.size() < caller.config().streamedUploadThreshold()) {
      try (VerifyingInputStream in = new VerifyingInputStream(source.open(0), blob, what())) {
        pushWhole(readWhole(in));
      }
    } else {
      new StreamedTransfer(source).run();
    }
  }

  private String what() {
    return "registry " + caller.registry() + ", repository " + repository + ", push blob " + blob.digest();
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

  /**
   * A large blob's upload: one PATCH with every byte, under the retry policy. After a transient
   * failure the registry is asked how much it holds (part of the same attempt) and the source is
   * opened again there, for a PATCH of the rest.
   */
  private final class StreamedTransfer {
    private final BlobOpener source;
    private final UploadVerifier verifier;
    private URI location;

    StreamedTransfer(BlobOpener source) {
      this.source = source;
      this.verifier = new UploadVerifier(blob, what());
    }

    void run() throws IOException {
      location = caller.call(new Start());
      try {
        caller.retry().run(attempt -> {
          long have = attempt == 1 ? 0 : resync();
          if (have < blob.size()) {
            send(have);
          }
          return true;
        });
        verifier.verify(false);
        caller.call(new Complete(location, new byte[0]));
      } catch (IOException | RuntimeException | Error e) {
        cancel(location);
        throw e;
      }
    }

    /** The PATCH of the bytes from {@code from} on; a failure of the source is reported as its own, never retried. */
    private void send(long from) throws IOException {
      StreamedBody body = new StreamedBody(source, blob, verifier, from);
      try {
        location = caller.once(new Patch(location, body, from));
      } catch (IOException e) {
        body.rethrowSourceFailure();
        throw e;
      }
    }

    /** How much of the blob the registry holds: no more than was read (and so sent) here. */
    private long resync() throws IOException {
      StatusCheck check = new StatusCheck(location);
      Status status = caller.once(check);
      long sent = verifier.hashed();
      if (status.offset() > sent) {
        throw new RegistryException(
            caller.describe(check) + ": after a failure the registry holds " + status.offset()
                + " bytes, though at most " + sent + " were sent",
            OptionalInt.empty(), false, Optional.empty(), null);
      }
      location = status.location().orElse(location);
      return status.offset();
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

  /** PATCH of the blob's bytes from {@code from} to its end. */
  private final class Patch extends Step<URI> {
    private final URI location;
    private final StreamedBody body;
    private final long from;

    Patch(URI location, StreamedBody body, long from) {
      this.location = location;
      this.body = body;
      this.from = from;
    }

    @Override
    public String description() {
      return "upload bytes " + from + "-" + (blob.size() - 1) + " of blob " + blob.digest();
    }

    @Override
    public URI uri(URI base) {
      return location;
    }

    @Override
    public HttpRequest.Builder request(URI uri) {
      return HttpRequest.newBuilder(uri)
          .header("Content-Type", "application/octet-stream")
          .header("Content-Range", from + "-" + (blob.size() - 1))
          .method("PATCH", body);
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
