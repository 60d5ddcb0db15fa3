package org.layerfs.io.registry;

import com.google.common.base.Joiner;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.Blobs;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;

/**
 * GET of a manifest or index by tag or digest. By digest, the bytes are checked against it; by
 * tag, against the registry's {@code Docker-Content-Digest}, which names the manifest.
 */
final class ManifestPull implements RegistryOperation<RemoteManifest> {
  /** Every manifest kind layerfs reads; without them a registry may serve an old schema or 404. */
  static final String ACCEPT = Joiner.on(", ").join(
      MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);

  private final String repository;
  private final String reference;

  ManifestPull(String repository, String reference) {
    this.repository = repository;
    this.reference = reference;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "pull manifest " + reference;
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/manifests/" + reference);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).header("Accept", ACCEPT).GET();
  }

  @Override
  public RemoteManifest handle(HttpResponse<InputStream> response) throws IOException {
    String what = "registry " + response.uri().getRawAuthority() + ", repository " + repository + ", manifest " + reference;
    byte[] bytes = response.body().readNBytes((int) Blobs.MAX_METADATA_BLOB + 1);
    if (bytes.length > Blobs.MAX_METADATA_BLOB) {
      throw new BlobVerificationException(what + ": larger than a manifest may be");
    }
    Optional<Digest> expected =
        Digest.isDigest(reference) ? Optional.of(Digest.parse(reference)) : contentDigest(response, what);
    Digest actual = digestOf(bytes, expected.map(Digest::algorithm).orElse("sha256"));
    if (expected.isPresent() && !actual.equals(expected.get())) {
      throw new BlobVerificationException(what + ": digest mismatch: expected " + expected.get() + ", actual " + actual);
    }
    return new RemoteManifest(Descriptor.of(mediaType(response, bytes, what), actual, bytes.length), bytes);
  }

  /** The Content-Type when it names a manifest kind, else the document's own mediaType field. */
  static String mediaType(HttpResponse<?> response, byte[] bytes, String what) throws IOException {
    String type = contentType(response);
    if (MediaTypes.isManifest(type) || MediaTypes.isIndex(type) || bytes.length == 0) {
      return type;
    }
    return ImageJson.tree(bytes, what).path("mediaType").asText(type);
  }

  static String contentType(HttpResponse<?> response) {
    String type = response.headers().firstValue("Content-Type").orElse("");
    int semicolon = type.indexOf(';');
    return (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
  }

  /** The {@code Docker-Content-Digest} header, which names a manifest fetched by tag. */
  static Optional<Digest> contentDigest(HttpResponse<?> response, String what) throws ImageFormatException {
    Optional<String> header = response.headers().firstValue("Docker-Content-Digest");
    try {
      return header.map(h -> Digest.parse(h.trim()));
    } catch (IllegalArgumentException e) {
      throw new ImageFormatException(what + ": bad Docker-Content-Digest header: " + e.getMessage());
    }
  }

  private static Digest digestOf(byte[] bytes, String algorithm) {
    return Digest.fromBytes(algorithm, Digest.newMessageDigest(algorithm).digest(bytes));
  }
}
