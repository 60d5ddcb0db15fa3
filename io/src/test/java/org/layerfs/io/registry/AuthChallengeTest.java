package org.layerfs.io.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
  @Test
  void parsesABearerChallengeWithQuotedCommas() {
    AuthChallenge c = AuthChallenge.parse(
        "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/debian:pull,push\"").orElseThrow();
    assertEquals("bearer", c.scheme());
    assertEquals(Optional.of("https://auth.docker.io/token"), c.param("realm"));
    assertEquals(Optional.of("registry.docker.io"), c.param("service"));
    assertEquals(Optional.of("repository:library/debian:pull,push"), c.param("scope"));
  }

  @Test
  void parsesBasicAndTokenValues() {
    AuthChallenge c = AuthChallenge.parse("Basic realm=layerfs-test, charset=\"UTF-8\"").orElseThrow();
    assertEquals("basic", c.scheme());
    assertEquals(Optional.of("layerfs-test"), c.param("realm"));
    assertEquals(Optional.of("UTF-8"), c.param("charset"));
  }

  @Test
  void prefersBearerAmongSeveralHeaders() {
    assertEquals(
        "bearer",
        AuthChallenge.choose(List.of("Basic realm=\"r\"", "Bearer realm=\"https://t\"")).orElseThrow().scheme());
    assertEquals(Optional.empty(), AuthChallenge.choose(List.of("Negotiate")));
  }
}
