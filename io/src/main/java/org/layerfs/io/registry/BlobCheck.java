package org.layerfs.io.registry;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.layerfs.io.model.Digest;

/** HEAD of a blob: whether the repository has it. Never a GET, which some registries count as a pull. */
final class BlobCheck implements RegistryOperation<Boolean> {
  private final String repository;
  private final Digest digest;

  BlobCheck(String repository, Digest digest) {
    this.repository = repository;
    this.digest = digest;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "check blob " + digest;
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/blobs/" + digest);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody());
  }

  @Override
  public boolean accepts(int status) {
    return status == 200 || status == 404;
  }

  @Override
  public Boolean handle(HttpResponse<InputStream> response) {
    return response.statusCode() == 200;
  }
}
