package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * DELETE of a tag alone, leaving its manifest and the manifest's other tags ({@code DELETE
 * /v2/<name>/manifests/<tag>}, OCI distribution 1.1). Registries that cannot answer 400 (the
 * CNCF distribution registry 2.x, which reads the tag as a bad digest), 405 or 501.
 */
final class TagDelete implements RegistryOperation<Boolean> {
  private final String repository;
  private final String tag;

  TagDelete(String repository, String tag) {
    this.repository = repository;
    this.tag = tag;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "delete tag " + tag;
  }

  @Override
  public ImmutableList<String> scopes() {
    return ImmutableList.of("repository:" + repository + ":pull,push,delete");
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/manifests/" + tag);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).DELETE();
  }

  @Override
  public boolean accepts(int status) {
    return (status >= 200 && status < 300) || isUnsupported(status);
  }

  /** True when the tag was deleted; false when the registry cannot delete a tag alone. */
  @Override
  public Boolean handle(HttpResponse<InputStream> response) {
    return !isUnsupported(response.statusCode());
  }

  private static boolean isUnsupported(int status) {
    return status == 400 || status == 405 || status == 501;
  }
}
