package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.layerfs.io.blob.Blobs;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.MediaTypes;

/**
 * GET of the OCI 1.1 referrers API, {@code /v2/<name>/referrers/<digest>}: the manifests whose
 * {@code subject} is the digest, as an index. Empty when the registry answers 404: it has no
 * referrers API (the distribution spec's sign to use the fallback tag instead).
 */
final class ReferrersList implements RegistryOperation<Optional<ImmutableList<Descriptor>>> {
  private final String repository;
  private final Digest subject;

  ReferrersList(String repository, Digest subject) {
    this.repository = repository;
    this.subject = subject;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "list referrers of " + subject;
  }

  @Override
  public URI uri(URI base) {
    return base.resolve("/v2/" + repository + "/referrers/" + subject);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).header("Accept", MediaTypes.OCI_INDEX).GET();
  }

  @Override
  public boolean accepts(int status) {
    return status == 200 || status == 404;
  }

  @Override
  public Optional<ImmutableList<Descriptor>> handle(HttpResponse<InputStream> response) throws IOException {
    if (response.statusCode() == 404) {
      // The API answering that the repository does not exist yet is still the API.
      byte[] error = response.body().readNBytes(8192);
      boolean api = new String(error, StandardCharsets.UTF_8).contains("NAME_UNKNOWN");
      return api ? Optional.of(ImmutableList.of()) : Optional.empty();
    }
    String what = "registry " + response.uri().getRawAuthority() + ", repository " + repository + ", " + description();
    byte[] bytes = response.body().readNBytes((int) Blobs.MAX_METADATA_BLOB);
    return Optional.of(ImageJson.descriptors(ImageJson.tree(bytes, what), "manifests", what));
  }
}
