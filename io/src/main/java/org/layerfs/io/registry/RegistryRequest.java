package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.net.URI;
import java.net.http.HttpRequest;

/**
 * One HTTP request on its way to a registry, with what the transport layers need to know about
 * it: the repository and token scopes for authentication, and {@code what} for messages
 * ({@code "registry HOST, repository REPO, pull manifest latest"}).
 */
record RegistryRequest(HttpRequest http, String repository, ImmutableList<String> scopes, String what) {

  /** This request sent to {@code uri} instead (a redirect, or another scheme). */
  RegistryRequest to(URI uri) {
    return new RegistryRequest(HttpRequest.newBuilder(http, (name, value) -> true).uri(uri).build(), repository, scopes, what);
  }

  /** This request with {@code Authorization} set to {@code value}, replacing any it had. */
  RegistryRequest authorized(String value) {
    HttpRequest.Builder b = HttpRequest.newBuilder(http, (name, v) -> !name.equalsIgnoreCase("Authorization"));
    return new RegistryRequest(b.header("Authorization", value).build(), repository, scopes, what);
  }
}
