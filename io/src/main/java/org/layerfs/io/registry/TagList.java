package org.layerfs.io.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.layerfs.io.model.ImageJson;

/** GET of one page of a repository's tags; the next page is the {@code Link: <...>; rel="next"}. */
final class TagList implements RegistryOperation<TagList.Page> {
  private static final Pattern NEXT = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?.*");

  /** One page: its tags and where the next one is. */
  record Page(ImmutableList<String> tags, Optional<URI> next) {}

  private final String repository;
  private final Optional<URI> page;
  private final Optional<Integer> pageSize;

  /** The first page, of {@code pageSize} tags when given. */
  static TagList first(String repository, Optional<Integer> pageSize) {
    return new TagList(repository, Optional.empty(), pageSize);
  }

  /** The page a previous one linked to. */
  static TagList next(String repository, URI page) {
    return new TagList(repository, Optional.of(page), Optional.empty());
  }

  private TagList(String repository, Optional<URI> page, Optional<Integer> pageSize) {
    this.repository = repository;
    this.page = page;
    this.pageSize = pageSize;
  }

  @Override
  public String repository() {
    return repository;
  }

  @Override
  public String description() {
    return "list tags";
  }

  @Override
  public URI uri(URI base) {
    return page.orElseGet(() -> base.resolve(
        "/v2/" + repository + "/tags/list" + pageSize.map(n -> "?n=" + n).orElse("")));
  }

  @Override
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).header("Accept", "application/json").GET();
  }

  @Override
  public Page handle(HttpResponse<InputStream> response) throws IOException {
    String what = "registry " + response.uri().getRawAuthority() + ", repository " + repository + ", tag list";
    JsonNode root = ImageJson.tree(response.body().readAllBytes(), what);
    ImmutableList.Builder<String> tags = ImmutableList.builder();
    root.path("tags").forEach(t -> tags.add(t.asText()));
    Optional<URI> next = Optional.empty();
    for (String link : response.headers().allValues("Link")) {
      Matcher m = NEXT.matcher(link.trim());
      if (m.matches()) {
        next = Optional.of(response.uri().resolve(m.group(1)));
      }
    }
    return new Page(tags.build(), next);
  }
}
