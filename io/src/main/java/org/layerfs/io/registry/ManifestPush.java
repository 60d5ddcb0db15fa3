package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;

/** PUT of a manifest or index under a tag or its digest, with its media type. */
final class ManifestPush implements RegistryOperation<Optional<Digest>> {
  private final String repository;
  private final String reference;
  private final Descriptor manifest;
  private final byte[] bytes;

  ManifestPush(String repository, String reference, Descriptor manifest, byte[] bytes) {
    this.repository = repository;
    this.reference = reference;
    this.manifest = manifest;
    this.bytes = bytes;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "push manifest " + manifest.digest() + (reference.equals(manifest.digest().toString()) ? "" : " as " + reference);
  }

  @Override
  public ImmutableList<String> scopes() {
    return ImmutableList.of(RegistryOperation.pushScope(repository));
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/manifests/" + reference);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", manifest.mediaType())
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes));
  }

  /** The digest the registry stored the manifest under, when it says. */
  @Override
  public Optional<Digest> handle(HttpResponse<InputStream> response) throws IOException {
    String what = "registry " + response.uri().getRawAuthority() + ", repository " + repository + ", " + description();
    return ManifestPull.contentDigest(response, what);
  }
}
