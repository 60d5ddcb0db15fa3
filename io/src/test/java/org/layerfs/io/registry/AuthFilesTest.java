package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.ImageFormatException;

class AuthFilesTest {
  @TempDir Path dir;

  private Path file(String name, String json) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, json);
    return f;
  }

  private static String auth(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
  }

  private static String entry(String key, String user, String password) {
    return "\"" + key + "\":{\"auth\":\"" + auth(user, password) + "\"}";
  }

  @Test
  void registryAuthFileComesBeforeDockerConfig() {
    Path home = Path.of("/home/u");
    assertEquals(
        ImmutableList.of("/run/auth.json", "/home/u/.docker/config.json"),
        RegistryConfig.defaultAuthFiles(Map.of("REGISTRY_AUTH_FILE", "/run/auth.json"), home));
    assertEquals(ImmutableList.of("/home/u/.docker/config.json"), RegistryConfig.defaultAuthFiles(Map.of(), home));
  }

  @Test
  void firstFileWithAnEntryForTheHostWins() throws IOException {
    Path first = file("auth.json", "{\"auths\":{" + entry("reg.example:5000", "a", "pa:ss") + "}}");
    Path second = file("config.json", "{\"auths\":{" + entry("reg.example:5000", "b", "x") + "," + entry("other.example", "c", "y") + "}}");
    AuthFiles files = new AuthFiles(ImmutableList.of(first.toString(), second.toString(), dir.resolve("missing.json").toString()));
    assertEquals(Optional.of(Credentials.of("a", "pa:ss")), files.lookup("reg.example:5000", "r"));
    assertEquals(Optional.of(Credentials.of("c", "y")), files.lookup("other.example", "r"));
    assertEquals(Optional.empty(), files.lookup("third.example", "r"));
  }

  @Test
  void dockerStyleKeysAndRepositoryKeysMatch() throws IOException {
    Path f = file("config.json", "{\"auths\":{"
        + entry("https://index.docker.io/v1/", "hub", "1") + ","
        + entry("http://reg.example", "host", "2") + ","
        + entry("reg.example/team", "team", "3") + ","
        + entry("reg.example/team/app", "app", "4") + "}}");
    AuthFiles files = new AuthFiles(ImmutableList.of(f.toString()));
    assertEquals("hub", files.lookup("registry-1.docker.io", "library/debian").orElseThrow().username());
    assertEquals("host", files.lookup("reg.example", "other").orElseThrow().username());
    assertEquals("team", files.lookup("reg.example", "team/web").orElseThrow().username());
    assertEquals("app", files.lookup("reg.example", "team/app").orElseThrow().username());
    assertEquals("host", files.lookup("reg.example", "teamwork").orElseThrow().username());
  }

  @Test
  void malformedFilesFailWithoutQuotingTheirContent() throws IOException {
    Path f = file("broken.json", "{\"auths\": {\"reg.example\": {\"auth\": sekrit}}}");
    ImageFormatException e = assertThrows(
        ImageFormatException.class, () -> new AuthFiles(ImmutableList.of(f.toString())).lookup("reg.example", "r"));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    assertFalse(e.getMessage().contains("sekrit"), e.getMessage());
    Path notUserPass = file("nocolon.json", "{\"auths\":{\"reg.example\":{\"auth\":\"" + Base64.getEncoder().encodeToString("sekrit".getBytes(UTF_8)) + "\"}}}");
    ImageFormatException e2 = assertThrows(
        ImageFormatException.class, () -> new AuthFiles(ImmutableList.of(notUserPass.toString())).lookup("reg.example", "r"));
    assertFalse(e2.getMessage().contains("sekrit"), e2.getMessage());
  }

  @Test
  void credentialsNeverPrintTheirPassword() {
    assertEquals("Credentials{username=u, password=<redacted>}", Credentials.of("u", "hunter2").toString());
  }
}
