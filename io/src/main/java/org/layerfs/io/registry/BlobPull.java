package org.layerfs.io.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.model.Descriptor;

/**
 * GET of a blob from byte {@code offset} on: asks for a range past the start, and skips to the
 * offset itself when the registry (or its storage) sends the whole blob instead.
 */
final class BlobPull implements RegistryOperation<InputStream> {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-\\d+/(?:\\d+|\\*)");

  private final String repository;
  private final Descriptor blob;
  private final long offset;

  BlobPull(String repository, Descriptor blob, long offset) {
    this.repository = repository;
    this.blob = blob;
    this.offset = offset;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "pull blob " + blob.digest() + (offset == 0 ? "" : " from byte " + offset);
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/blobs/" + blob.digest());
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    if (offset > 0) {
      b.header("Range", "bytes=" + offset + "-");
    }
    return b;
  }

  @Override
  public InputStream handle(HttpResponse<InputStream> response) throws IOException {
    InputStream body = response.body();
    if (response.statusCode() == 206) {
      String range = response.headers().firstValue("Content-Range").orElse("");
      Matcher m = CONTENT_RANGE.matcher(range);
      if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
        throw new IOException("asked for bytes from " + offset + ", got Content-Range \"" + range + "\"");
      }
      return body;
    }
    long skipped = 0;
    while (skipped < offset) {
      long n = body.skip(offset - skipped);
      if (n <= 0) {
        if (body.read() < 0) {
          throw new EOFException("the blob ended before byte " + offset);
        }
        n = 1;
      }
      skipped += n;
    }
    return body;
  }

  @Override
  public boolean keepsBody() {
    return true;
  }
}
