package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.layerfs.io.model.Digest;

/**
 * DELETE of a manifest by digest (registries refuse deletes by tag). Every tag that points at
 * the manifest goes with it.
 */
final class ManifestDelete implements RegistryOperation<Boolean> {
  private final String repository;
  private final Digest digest;

  ManifestDelete(String repository, Digest digest) {
    this.repository = repository;
    this.digest = digest;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "delete manifest " + digest;
  }

  @Override
  public ImmutableList<String> scopes() {
    // Token servers grant deletes under their own action, apart from push.
    return ImmutableList.of("repository:" + repository + ":pull,push,delete");
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/manifests/" + digest);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).DELETE();
  }

  /** True: the registry accepted the delete (a missing manifest is an error instead). */
  @Override
  public Boolean handle(HttpResponse<InputStream> response) {
    return true;
  }
}
