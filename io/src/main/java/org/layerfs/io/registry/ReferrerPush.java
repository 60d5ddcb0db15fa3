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

/**
 * PUT of a referrer manifest by its digest, a {@link ManifestPush} that also reads the
 * {@code OCI-Subject} header: present when the registry indexes referrers itself, so the client
 * need not maintain the fallback tag (distribution spec 1.1, "Pushing Manifests with Subject").
 */
final class ReferrerPush implements RegistryOperation<ReferrerPush.Stored> {
  /** What the registry said: the digest it stored the manifest under, and whether it indexed the subject. */
  record Stored(Optional<Digest> digest, boolean subjectIndexed) {}

  private final ManifestPush push;

  ReferrerPush(String repository, Descriptor manifest, byte[] bytes) {
    this.push = new ManifestPush(repository, manifest.digest().toString(), manifest, bytes);
  }

  @Override
  public String repository() {
    return push.repository();
  }

  @Override
  public String description() {
    return push.description();
  }

  @Override
  public ImmutableList<String> scopes() {
    return push.scopes();
  }

  @Override
  public URI uri(URI base) {
    return push.uri(base);
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return push.request(uri);
  }

  @Override
  public Stored handle(HttpResponse<InputStream> response) throws IOException {
    return new Stored(push.handle(response), response.headers().firstValue("OCI-Subject").isPresent());
  }
}
