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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.model.ImageFormatException;

/** Auth files and credential helpers (shell scripts on a test's own PATH), as docker reads them. */
class CredentialStoreTest {
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

  private CredentialStore store(Path... files) {
    return new CredentialStore(
        Stream.of(files).map(Path::toString).collect(ImmutableList.toImmutableList()),
        dir.resolve("bin").toString(), Duration.ofSeconds(20));
  }

  /** A docker-credential-NAME script in the test's bin directory; it logs each server asked for. */
  private Path helper(String name, String body) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path script = bin.resolve("docker-credential-" + name);
    Files.writeString(script, "#!/bin/sh\nserver=$(cat)\necho \"$1 $server\" >> " + dir.resolve(name + ".log") + "\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private List<String> calls(String helper) throws IOException {
    Path log = dir.resolve(helper + ".log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  private static String answer(String user, String secret) {
    return "printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}' \"$server\"";
  }

  private static final String NOT_FOUND = "echo 'credentials not found in native keychain'; exit 1";

  @Test
  void registryAuthFileComesBeforeDockerConfig() {
    assertEquals(
        ImmutableList.of("/run/auth.json", "/home/u/.docker/config.json"),
        RegistryConfig.defaultAuthFiles(Map.of("REGISTRY_AUTH_FILE", "/run/auth.json", "HOME", "/home/u"), "/etc/passwd/home"));
    assertEquals(ImmutableList.of("/home/u/.docker/config.json"), RegistryConfig.defaultAuthFiles(Map.of("HOME", "/home/u"), "/pw"));
  }

  @Test
  void dockerConfigIsFoundAsDockerFindsIt() {
    assertEquals(ImmutableList.of("/cfg/config.json"),
        RegistryConfig.defaultAuthFiles(Map.of("DOCKER_CONFIG", "/cfg", "HOME", "/home/u"), "/pw"));
    assertEquals(ImmutableList.of("/env-home/.docker/config.json"),
        RegistryConfig.defaultAuthFiles(Map.of("HOME", "/env-home"), "/passwd-home"));
    assertEquals(ImmutableList.of("/passwd-home/.docker/config.json"), RegistryConfig.defaultAuthFiles(Map.of(), "/passwd-home"));
  }

  @Test
  void credHelpersComeBeforeAuthsWhichComeBeforeCredsStore() throws IOException {
    helper("pinned", answer("from-pinned", "p1"));
    helper("store", answer("from-store", "s1"));
    Path f = file("config.json", "{\"credsStore\":\"store\",\"credHelpers\":{\"pinned.example\":\"pinned\"},"
        + "\"auths\":{" + entry("pinned.example", "inline", "x") + "," + entry("inline.example", "inline", "y") + ","
        + "\"marked.example\":{}}}");
    CredentialStore store = store(f);
    assertEquals(Optional.of(Credentials.of("from-pinned", "p1")), store.lookup("pinned.example", "r"));
    assertEquals(Optional.of(Credentials.of("inline", "y")), store.lookup("inline.example", "r"));
    // docker writes an empty auths entry for a login kept by the store: it is no entry.
    assertEquals(Optional.of(Credentials.of("from-store", "s1")), store.lookup("marked.example", "r"));
    assertEquals(List.of("get pinned.example"), calls("pinned"));
    assertEquals(List.of("get marked.example"), calls("store"));
  }

  @Test
  void aHelperThatHoldsNothingMeansTheNextFileOrAnonymous() throws IOException {
    helper("empty", NOT_FOUND);
    Path first = file("first.json", "{\"credHelpers\":{\"reg.example\":\"empty\"},\"auths\":{" + entry("reg.example", "ignored", "z") + "}}");
    Path second = file("second.json", "{\"auths\":{" + entry("reg.example", "second", "w") + "}}");
    assertEquals(Optional.of(Credentials.of("second", "w")), store(first, second).lookup("reg.example", "r"));
    Path storeOnly = file("store.json", "{\"credsStore\":\"empty\"}");
    assertEquals(Optional.empty(), store(storeOnly).lookup("other.example", "r"));
  }

  @Test
  void dockerHubIsAskedForAsDockerAsksForIt() throws IOException {
    helper("hub", answer("hubuser", "h"));
    Path f = file("config.json", "{\"credHelpers\":{\"https://index.docker.io/v1/\":\"hub\"}}");
    assertEquals("hubuser", store(f).lookup("registry-1.docker.io", "library/debian").orElseThrow().username());
    assertEquals(List.of("get https://index.docker.io/v1/"), calls("hub"));
  }

  @Test
  void eachHelperIsAskedOncePerRegistryAndRun() throws IOException {
    helper("counted", answer("u", "c1"));
    Path f = file("config.json", "{\"credsStore\":\"counted\"}");
    for (int i = 0; i < 3; i++) {
      // A new store each time, as each client of a run makes one.
      assertEquals(Optional.of(Credentials.of("u", "c1")), store(f).lookup("once.example", "repo" + i));
    }
    store(f).lookup("twice.example", "r");
    assertEquals(List.of("get once.example", "get twice.example"), calls("counted"));
  }

  @Test
  void anIdentityTokenIsKeptAsSuch() throws IOException {
    helper("tokens", "printf '{\"Username\":\"<token>\",\"Secret\":\"refresh-me\"}'");
    Path f = file("config.json", "{\"credHelpers\":{\"helped.example\":\"tokens\"},\"auths\":{"
        + "\"inline.example\":{\"identitytoken\":\"inline-refresh\"}}}");
    Credentials helped = store(f).lookup("helped.example", "r").orElseThrow();
    assertEquals(Optional.of("refresh-me"), helped.identityToken());
    assertFalse(helped.hasPassword());
    assertEquals(Optional.of("inline-refresh"), store(f).lookup("inline.example", "r").orElseThrow().identityToken());
    assertFalse(helped.toString().contains("refresh-me"), helped.toString());
  }

  @Test
  void helperFailuresNameTheHelperAndTheRegistryAndNoSecret() throws IOException {
    helper("broken", "echo 'error getting credentials: keychain locked' >&2; exit 3");
    helper("garbled", "printf '{\"Username\":\"u\",\"Secret\":\"sekrit-garbled'");
    helper("nosecret", "printf '{\"Username\":\"u\"}'");
    helper("half", answer("u", "sekrit-half") + "; exit 1");
    helper("slow", "sleep 30");
    helper("lingering", "sleep 30 &\n" + answer("u", "sekrit-lingering"));
    Path f = file("config.json", "{\"credHelpers\":{\"broken.example\":\"broken\",\"garbled.example\":\"garbled\","
        + "\"nosecret.example\":\"nosecret\",\"half.example\":\"half\",\"slow.example\":\"slow\",\"lingering.example\":\"lingering\",\"missing.example\":\"missing\"}}");
    assertFailure(store(f), "broken.example",
        "credential helper docker-credential-broken for registry broken.example: exit status 3: error getting credentials: keychain locked");
    assertFailure(store(f), "garbled.example",
        "credential helper docker-credential-garbled for registry garbled.example: the answer is not JSON");
    assertFailure(store(f), "nosecret.example",
        "credential helper docker-credential-nosecret for registry nosecret.example: the answer holds no \"Secret\"");
    assertFailure(store(f), "half.example", "credential helper docker-credential-half for registry half.example: exit status 1");
    assertFailure(store(f), "missing.example",
        "credential helper docker-credential-missing for registry missing.example: not found on PATH");
    CredentialStore impatient = new CredentialStore(ImmutableList.of(f.toString()), dir.resolve("bin").toString(), Duration.ofMillis(300));
    assertFailure(impatient, "slow.example",
        "credential helper docker-credential-slow for registry slow.example: no answer within 0.3s");
    // A child left holding the helper's output open (an agent it started) is not waited for: the
    // helper has answered and exited.
    long started = System.nanoTime();
    assertEquals(Optional.of(Credentials.of("u", "sekrit-lingering")), store(f).lookup("lingering.example", "r"));
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "waited for the child's 30 s");
    // A failure is remembered for the run too: the helper is not asked again.
    assertFailure(store(f), "broken.example",
        "credential helper docker-credential-broken for registry broken.example: exit status 3: error getting credentials: keychain locked");
    assertEquals(1, calls("broken").size());
  }

  private static void assertFailure(CredentialStore store, String registry, String message) {
    RegistryException e = assertThrows(RegistryException.class, () -> store.lookup(registry, "r"));
    assertEquals(message, e.getMessage());
    assertFalse(e.isTransient());
    assertFalse(e.getMessage().contains("sekrit"), e.getMessage());
  }

  @Test
  void firstFileWithAnEntryForTheHostWins() throws IOException {
    Path first = file("auth.json", "{\"auths\":{" + entry("reg.example:5000", "a", "pa:ss") + "}}");
    Path second = file("config.json", "{\"auths\":{" + entry("reg.example:5000", "b", "x") + "," + entry("other.example", "c", "y") + "}}");
    CredentialStore files = store(first, second, dir.resolve("missing.json"));
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
    CredentialStore files = store(f);
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
        ImageFormatException.class, () -> store(f).lookup("reg.example", "r"));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    assertFalse(e.getMessage().contains("sekrit"), e.getMessage());
    Path notUserPass = file("nocolon.json", "{\"auths\":{\"reg.example\":{\"auth\":\"" + Base64.getEncoder().encodeToString("sekrit".getBytes(UTF_8)) + "\"}}}");
    ImageFormatException e2 = assertThrows(
        ImageFormatException.class, () -> store(notUserPass).lookup("reg.example", "r"));
    assertFalse(e2.getMessage().contains("sekrit"), e2.getMessage());
  }

  @Test
  void credentialsNeverPrintTheirPassword() {
    assertEquals("Credentials{username=u, password=<redacted>}", Credentials.of("u", "hunter2").toString());
  }
}
