package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.layerfs.io.model.Digest;

/**
 * POST that mounts a blob from another repository of the same registry. 201: mounted. 202: the
 * registry could not (no such blob there, or no pull right) and opened an upload instead, whose
 * location is returned so the caller can cancel it.
 */
final class BlobMount implements RegistryOperation<Optional<URI>> {
  private final String repository;
  private final Digest digest;
  private final String from;

  BlobMount(String repository, Digest digest, String from) {
    this.repository = repository;
    this.digest = digest;
    this.from = from;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "mount blob " + digest + " from " + from;
  }

  @Override
  public ImmutableList<String> scopes() {
    return ImmutableList.of(RegistryOperation.pushScope(repository), RegistryOperation.pullScope(from));
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody());
  }

  @Override
  public boolean accepts(int status) {
    return status == 201 || status == 202;
  }

  /** Empty when mounted; else the upload the registry opened instead. */
  @Override
  public Optional<URI> handle(HttpResponse<InputStream> response) {
    if (response.statusCode() == 201) {
      return Optional.empty();
    }
    return response.headers().firstValue("Location").map(l -> response.uri().resolve(l));
  }
}
