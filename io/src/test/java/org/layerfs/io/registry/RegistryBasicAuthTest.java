package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.oci.OciLayout;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.testing.TestData;

/** A real registry behind htpasswd basic auth, with credentials from auth files. */
class RegistryBasicAuthTest {
  private static final String USER = "mirror";
  private static final String PASSWORD = "s3cret-Pa55word";

  @TempDir static Path dir;
  @RegisterExtension static final BasicAuthRegistry REGISTRY = new BasicAuthRegistry(USER, PASSWORD);

  private static Path authFile(String name, String user, String password) throws IOException {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    Path file = dir.resolve(name);
    Files.writeString(file, "{\"auths\":{\"" + REGISTRY.server().host() + "\":{\"auth\":\"" + auth + "\"}}}");
    return file;
  }

  @Test
  void goodCredentialsPushAndPull() throws IOException {
    RegistryConfig config = REGISTRY.server().config().withAuthFile(authFile("good.json", USER, PASSWORD));
    OciLayout layout = OciLayout.open(TestData.images());
    Descriptor small = layout.index().manifests().stream()
        .filter(d -> d.refName().equals(Optional.of("small"))).findFirst().orElseThrow();
    try (RegistryDestination dest = RegistryDestination.open(REGISTRY.server().reference("private"), config)) {
      Pushing.push(layout, dest, small, Optional.of("1"));
      assertEquals(Optional.of(small.digest()), dest.tagDigest("1"));
    }
    try (RegistrySource source = RegistrySource.open(REGISTRY.server().reference("private"), config)) {
      Resolution r = source.resolve(REGISTRY.server().reference("private:1"), Optional.empty());
      assertEquals(List.of(), r.failures());
      assertEquals(small.digest(), r.images().get(0).manifestDigest());
      Descriptor layer = r.images().get(0).manifest().layers().get(0);
      assertArrayEquals(layout.readBlob(layer), source.readBlob(layer));
    }
  }

  @Test
  void theFirstAuthFileWithAnEntryWins() throws IOException {
    Path good = authFile("first-good.json", USER, PASSWORD);
    Path bad = authFile("first-bad.json", USER, "not-it");
    RegistryConfig goodFirst = REGISTRY.server().config().toBuilder().setAuthFiles(ImmutableList.of(good.toString(), bad.toString())).build();
    assertFalse(RegistryClient.create(REGISTRY.server().host(), goodFirst).hasBlob("private", Digest.sha256(new byte[0])));
    RegistryConfig badFirst = REGISTRY.server().config().toBuilder().setAuthFiles(ImmutableList.of(bad.toString(), good.toString())).build();
    RegistryException e = assertThrows(
        RegistryException.class, () -> RegistryClient.create(REGISTRY.server().host(), badFirst).hasBlob("private", Digest.sha256(new byte[0])));
    assertEquals(OptionalInt.of(401), e.status());
  }

  @Test
  void wrongPasswordFailsWith401AndNeverShowsThePassword() throws IOException {
    String wrong = "wr0ng-Pa55word";
    RegistryConfig config = REGISTRY.server().config().withAuthFile(authFile("bad.json", USER, wrong));
    try (RegistrySource source = RegistrySource.open(REGISTRY.server().reference("private"), config)) {
      RegistryException e = assertThrows(
          RegistryException.class, () -> source.resolve(REGISTRY.server().reference("private:1"), Optional.empty()));
      assertEquals(OptionalInt.of(401), e.status());
      assertFalse(e.isTransient());
      assertTrue(
          e.getMessage().startsWith("registry " + REGISTRY.server().host() + ", repository private, pull manifest 1: HTTP 401 Unauthorized"),
          e.getMessage());
      String base64 = Base64.getEncoder().encodeToString((USER + ":" + wrong).getBytes(UTF_8));
      for (Throwable t = e; t != null; t = t.getCause()) {
        assertFalse(String.valueOf(t.getMessage()).contains(wrong), t.getMessage());
        assertFalse(String.valueOf(t.getMessage()).contains(base64), t.getMessage());
      }
    }
  }

  @Test
  void anIdentityTokenAloneIsNoPasswordForBasicAuth() throws IOException {
    Path file = dir.resolve("identity.json");
    Files.writeString(file, "{\"auths\":{\"" + REGISTRY.server().host() + "\":{\"identitytoken\":\"Refresh-only-1\"}}}");
    RegistryClient client = RegistryClient.create(REGISTRY.server().host(), REGISTRY.server().config().withAuthFile(file));
    RegistryException e = assertThrows(RegistryException.class, () -> client.listTags("private"));
    assertEquals("registry " + REGISTRY.server().host() + ", repository private: the registry asks for a password (Basic auth)"
        + " but its credentials hold only an identity token", e.getMessage());
    assertFalse(e.isTransient());
  }

  @Test
  void noCredentialsFailsWith401() {
    RegistryClient anonymous = RegistryClient.create(REGISTRY.server().host(), REGISTRY.server().config());
    RegistryException e = assertThrows(RegistryException.class, () -> anonymous.listTags("private"));
    assertEquals(OptionalInt.of(401), e.status());
    assertTrue(e.getMessage().contains("list tags: HTTP 401 Unauthorized"), e.getMessage());
  }
}
