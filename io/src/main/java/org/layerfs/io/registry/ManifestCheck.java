package org.layerfs.io.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.layerfs.io.model.Digest;

/** HEAD of a manifest by tag or digest: whether it exists, and what the registry says it is. */
final class ManifestCheck implements RegistryOperation<Optional<ManifestCheck.Head>> {

  /** What a HEAD tells: the digest is missing when the registry sends no Docker-Content-Digest. */
  record Head(String mediaType, Optional<Digest> digest, long size) {}

  private final String repository;
  private final String reference;

  ManifestCheck(String repository, String reference) {
    this.repository = repository;
    this.reference = reference;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "check manifest " + reference;
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/manifests/" + reference);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .header("Accept", ManifestPull.ACCEPT)
        .method("HEAD", HttpRequest.BodyPublishers.noBody());
  }

  @Override
  public boolean accepts(int status) {
    return status == 200 || status == 404;
  }

  @Override
  public Optional<Head> handle(HttpResponse<InputStream> response) throws IOException {
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    String what = "registry " + response.uri().getRawAuthority() + ", repository " + repository + ", manifest " + reference;
    long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    return Optional.of(new Head(ManifestPull.contentType(response), ManifestPull.contentDigest(response, what), size));
  }
}
