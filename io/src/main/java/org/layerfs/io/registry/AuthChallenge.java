package org.layerfs.io.registry;

import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code WWW-Authenticate} challenge: {@code Basic realm="..."} or {@code Bearer
 * realm="...",service="...",scope="..."}.
 */
record AuthChallenge(String scheme, ImmutableMap<String, String> params) {
  private static final Pattern SCHEME = Pattern.compile("\\s*([A-Za-z][A-Za-z0-9-]*)\\s*(.*)", Pattern.DOTALL);
  // A parameter's value is a quoted string (commas allowed inside) or a token.
  private static final Pattern PARAM =
      Pattern.compile("\\s*([A-Za-z0-9_-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))\\s*,?");

  /** The most useful challenge of a response's {@code WWW-Authenticate} headers: Bearer over Basic. */
  static Optional<AuthChallenge> choose(List<String> headers) {
    Optional<AuthChallenge> basic = Optional.empty();
    for (String header : headers) {
      Optional<AuthChallenge> c = parse(header);
      if (c.isPresent() && c.get().isBearer()) {
        return c;
      }
      if (c.isPresent() && c.get().isBasic()) {
        basic = c;
      }
    }
    return basic;
  }

  /** Parses one header value; empty when it is not a challenge. */
  static Optional<AuthChallenge> parse(String header) {
    Matcher m = SCHEME.matcher(header);
    if (!m.matches()) {
      return Optional.empty();
    }
    ImmutableMap.Builder<String, String> params = ImmutableMap.builder();
    Matcher p = PARAM.matcher(m.group(2));
    while (p.lookingAt()) {
      String value = p.group(2) != null ? p.group(2).replaceAll("\\\\(.)", "$1") : p.group(3);
      params.put(p.group(1).toLowerCase(Locale.ROOT), value);
      p.region(p.end(), p.regionEnd());
    }
    return Optional.of(new AuthChallenge(m.group(1).toLowerCase(Locale.ROOT), params.buildKeepingLast()));
  }

  boolean isBearer() {
    return scheme.equals("bearer");
  }

  boolean isBasic() {
    return scheme.equals("basic");
  }

  Optional<String> param(String name) {
    return Optional.ofNullable(params.get(name));
  }
}
