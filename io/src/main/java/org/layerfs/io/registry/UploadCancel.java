package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** DELETE of an upload session that will not be finished. */
final class UploadCancel implements RegistryOperation<Boolean> {
  private final String repository;
  private final URI location;

  UploadCancel(String repository, URI location) {
    this.repository = repository;
    this.location = location;
  }

  /** Cancels once, ignoring failure: registries purge abandoned uploads themselves. */
  static void quietly(RegistryCaller caller, String repository, URI location) {
    try {
      caller.once(new UploadCancel(repository, location));
    } catch (IOException e) {
      // Nothing to do: the upload expires.
    }
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "cancel upload";
  }

  @Override
  public ImmutableList<String> scopes() {
    return ImmutableList.of(RegistryOperation.pushScope(repository));
  }

  @Override
  public URI uri(URI base) {
    return location;
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).DELETE();
  }

  @Override
  public Boolean handle(HttpResponse<InputStream> response) {
    return true;
  }
}
