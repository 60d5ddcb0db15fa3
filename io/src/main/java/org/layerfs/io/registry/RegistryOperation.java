package org.layerfs.io.registry;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * One request of the distribution API (pull a manifest, check a blob, ...): what to send and how
 * to read the answer, and nothing of how it travels: {@link RegistryCaller} sends it through the
 * transport stack (redirects, authentication, HTTP or HTTPS) under the retry policy.
 */
interface RegistryOperation<T> {

  /** The repository the request is about, for the token scope and for messages. */
  String repository();

  /** What the request does, for messages: {@code "pull manifest latest"}. */
  String description();

  /** The token scopes the request needs; pull on its repository unless it says otherwise. */
  default ImmutableList<String> scopes() {
    return ImmutableList.of(pullScope(repository()));
  }

  /** Where the request goes, given the registry's base URI ({@code https://HOST}). */
  URI uri(URI base);

  /** The request to {@code uri} (a redirect target or the result of {@link #uri}), without auth. */
  HttpRequest.Builder request(URI uri);

  /** True for the statuses {@link #handle} understands; any other one is an error. */
  default boolean accepts(int status) {
    return status >= 200 && status < 300;
  }

  /**
   * Reads the answer. The caller closes the body afterwards unless {@link #keepsBody} is true;
   * an I/O error here counts as transient, a verification or format error as permanent.
   */
  T handle(HttpResponse<InputStream> response) throws IOException;

  /** True when {@link #handle} returns the open body to its caller. */
  default boolean keepsBody() {
    return false;
  }

  static String pullScope(String repository) {
    return "repository:" + repository + ":pull";
  }

  static String pushScope(String repository) {
    return "repository:" + repository + ":pull,push";
  }

  /** {@code uri} with {@code name=value} added to its query (upload URLs carry state there). */
  static URI withQuery(URI uri, String name, String value) {
    String s = uri.toString();
    return URI.create(s + (uri.getRawQuery() == null ? "?" : "&") + name + "=" + value);
  }
}
