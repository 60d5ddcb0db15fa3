package org.layerfs.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.registry.BasicAuthRegistry;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/**
 * layerfs run as its own process, with the environment docker users have: a Docker config found
 * through {@code $DOCKER_CONFIG} or {@code $HOME}, naming credential helpers
 * ({@code docker-credential-NAME} shell scripts on {@code $PATH}) for a real docker-registry
 * behind htpasswd basic auth.
 */
class CredentialHelperCliTest {
  private static final String USER = "helped";
  private static final String PASSWORD = "Helper-s3cret-77";
  private static final String WRONG = "Wrong-s3cret-42";

  @TempDir static Path tmp;
  @RegisterExtension static final BasicAuthRegistry REGISTRY = new BasicAuthRegistry(USER, PASSWORD);

  /** A fresh directory holding bin/ (for helpers), home/ and a calls log. */
  private static Path scene(String name) throws IOException {
    Path scene = tmp.resolve(name);
    Files.createDirectories(scene.resolve("bin"));
    Files.createDirectories(scene.resolve("home"));
    return scene;
  }

  /** docker-credential-NAME in the scene's bin/: logs each call to calls-NAME.log, then runs {@code body}. */
  private static void helper(Path scene, String name, String body) throws IOException {
    Path script = scene.resolve("bin").resolve("docker-credential-" + name);
    Files.writeString(script, "#!/bin/sh\nserver=$(cat)\necho \"$1 $server\" >> " + scene.resolve("calls-" + name + ".log")
        + "\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String answering(String password) {
    return "[ \"$server\" = \"" + REGISTRY.server().host() + "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
        + "printf '{\"ServerURL\":\"%s\",\"Username\":\"" + USER + "\",\"Secret\":\"" + password + "\"}' \"$server\"";
  }

  private static List<String> calls(Path scene, String name) throws IOException {
    Path log = scene.resolve("calls-" + name + ".log");
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  private static void config(Path dir, String json) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("config.json"), json);
  }

  private static String credHelpers(String name) {
    return "{\"credHelpers\":{\"" + REGISTRY.server().host() + "\":\"" + name + "\"}}";
  }

  @Test
  void credHelpersGiveTheCredentialsAndAreAskedOncePerRun() throws Exception {
    Path scene = scene("cred-helpers");
    helper(scene, "pinned", answering(PASSWORD));
    config(scene.resolve("home/.docker"), credHelpers("pinned"));
    // Every tag of the fixture layout: many images, many requests, many clients.
    Cli.Result copy = layerfs(scene, Map.of(), "copy", Fixtures.images(), "docker://" + REGISTRY.server().host() + "/pinned",
        "--tls-verify=false");
    assertEquals(0, copy.exit(), copy::toString);
    assertEquals(List.of("get " + REGISTRY.server().host()), calls(scene, "pinned"));
  }

  @Test
  void credsStoreGivesTheCredentialsOfEveryRegistryWithoutAnEntry() throws Exception {
    Path scene = scene("creds-store");
    helper(scene, "store", answering(PASSWORD));
    config(scene.resolve("home/.docker"), "{\"auths\":{\"" + REGISTRY.server().host() + "\":{}},\"credsStore\":\"store\"}");
    Cli.Result copy = layerfs(scene, Map.of(), "copy", Fixtures.oci("small"), "docker://" + REGISTRY.server().host() + "/stored:small",
        "--tls-verify=false");
    assertEquals(0, copy.exit(), copy::toString);
    Cli.Result inspect = layerfs(scene, Map.of(), "inspect", "docker://" + REGISTRY.server().host() + "/stored:small", "--tls-verify=false");
    assertEquals(0, inspect.exit(), inspect::toString);
    assertEquals(2, calls(scene, "store").size());
  }

  @Test
  void dockerConfigComesBeforeHome() throws Exception {
    Path scene = scene("docker-config");
    helper(scene, "good", answering(PASSWORD));
    helper(scene, "broken", "echo 'should not be asked' >&2; exit 1");
    config(scene.resolve("home/.docker"), credHelpers("broken"));
    config(scene.resolve("elsewhere"), credHelpers("good"));
    Cli.Result copy = layerfs(scene, Map.of("DOCKER_CONFIG", scene.resolve("elsewhere").toString()),
        "copy", Fixtures.oci("small"), "docker://" + REGISTRY.server().host() + "/elsewhere:small", "--tls-verify=false");
    assertEquals(0, copy.exit(), copy::toString);
    assertEquals(List.of(), calls(scene, "broken"));
    assertEquals(1, calls(scene, "good").size());
  }

  @Test
  void theAuthfileOptionNamesHelpersToo() throws Exception {
    Path scene = scene("authfile");
    helper(scene, "named", answering(PASSWORD));
    config(scene.resolve("custom"), credHelpers("named"));
    Cli.Result copy = layerfs(scene, Map.of(), "copy", Fixtures.oci("small"), "docker://" + REGISTRY.server().host() + "/authfile:small",
        "--tls-verify=false", "--authfile", scene.resolve("custom/config.json").toString());
    assertEquals(0, copy.exit(), copy::toString);
    assertEquals(1, calls(scene, "named").size());
  }

  @Test
  void aFailingHelperFailsNamingItselfAndTheRegistry() throws Exception {
    Path scene = scene("failing");
    helper(scene, "locked", "echo 'keychain is locked' >&2; exit 2");
    config(scene.resolve("home/.docker"), "{\"credsStore\":\"locked\"}");
    Cli.Result copy = layerfs(scene, Map.of(), "copy", Fixtures.oci("small"), "docker://" + REGISTRY.server().host() + "/locked:small",
        "--tls-verify=false");
    assertNotEquals(0, copy.exit(), copy::toString);
    assertTrue(copy.err().contains("credential helper docker-credential-locked for registry " + REGISTRY.server().host()
        + ": exit status 2: keychain is locked"), copy::toString);
    assertFalse(copy.err().contains("HTTP 401"), () -> "a 401 means the helper was skipped: " + copy);
    assertEquals(1, calls(scene, "locked").size());
  }

  @Test
  void aMissingHelperIsAnErrorNotAnonymousAccess() throws Exception {
    Path scene = scene("missing");
    config(scene.resolve("home/.docker"), credHelpers("nowhere"));
    Cli.Result inspect = layerfs(scene, Map.of(), "inspect", "docker://" + REGISTRY.server().host() + "/any:small", "--tls-verify=false");
    assertNotEquals(0, inspect.exit(), inspect::toString);
    assertTrue(inspect.err().contains("credential helper docker-credential-nowhere for registry " + REGISTRY.server().host()
        + ": not found on PATH"), inspect::toString);
  }

  @Test
  void aHelperHoldingNothingMeansAnonymous() throws Exception {
    Path scene = scene("not-found");
    helper(scene, "empty", "echo 'credentials not found in native keychain'; exit 1");
    config(scene.resolve("home/.docker"), credHelpers("empty"));
    Cli.Result copy = layerfs(scene, Map.of(), "copy", Fixtures.oci("small"), "docker://" + REGISTRY.server().host() + "/anon:small",
        "--tls-verify=false");
    assertNotEquals(0, copy.exit(), copy::toString);
    assertTrue(copy.err().contains("HTTP 401 Unauthorized"), copy::toString);
    assertFalse(copy.err().contains("credential helper"), copy::toString);
  }

  @Test
  void aRefusedSecretReachesNeitherOutputNorReport() throws Exception {
    Path scene = scene("refused");
    helper(scene, "stale", answering(WRONG));
    config(scene.resolve("home/.docker"), credHelpers("stale"));
    Path report = scene.resolve("report.json");
    Cli.Result copy = layerfs(scene, Map.of(), "copy", Fixtures.oci("small"), "docker://" + REGISTRY.server().host() + "/refused:small",
        "--tls-verify=false", "--report", report.toString());
    assertNotEquals(0, copy.exit(), copy::toString);
    assertTrue(copy.err().contains("HTTP 401 Unauthorized"), copy::toString);
    String written = Files.readString(report);
    assertTrue(written.contains("HTTP 401"), written);
    for (String text : List.of(copy.out(), copy.err(), written)) {
      assertFalse(text.contains(WRONG), text);
      assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString((USER + ":" + WRONG).getBytes())), text);
    }
  }

  /**
   * Runs layerfs in a JVM of its own with the scene's home as {@code HOME}, its bin/ first on
   * {@code PATH}, no other auth file, and {@code env} on top.
   */
  private static Cli.Result layerfs(Path scene, Map<String, String> env, String... argv) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "org.layerfs.pipeline.Main"));
    command.addAll(List.of(argv));
    Path out = scene.resolve("out.log");
    Path err = scene.resolve("err.log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    Map<String, String> environment = new HashMap<>(pb.environment());
    environment.remove("REGISTRY_AUTH_FILE");
    environment.remove("DOCKER_CONFIG");
    environment.put("HOME", scene.resolve("home").toString());
    environment.put("PATH", scene.resolve("bin") + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    environment.putAll(env);
    pb.environment().clear();
    pb.environment().putAll(environment);
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("layerfs " + String.join(" ", argv) + " did not finish within 180 s");
    }
    return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
