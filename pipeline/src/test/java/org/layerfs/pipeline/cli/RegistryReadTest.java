package org.layerfs.pipeline.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.registry.RegistryServer;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;
import org.layerfs.pipeline.testing.Jsonl;
import org.layerfs.pipeline.testing.Layouts;
import org.layerfs.pipeline.unpack.TreeManifest;

/**
 * {@code index}, {@code inspect}, {@code unpack} and {@code diff} read a plain-HTTP registry
 * ({@code --tls-verify=false}, a real docker-registry the fixtures were pushed to with
 * {@code layerfs copy}) and give what they give from the OCI layout; behind basic auth, with
 * the credentials of {@code $REGISTRY_AUTH_FILE}.
 */
class RegistryReadTest {
  private static final String USER = "reader";
  private static final String PASSWORD = "n0t-in-the-Clear";

  @TempDir static Path tmp;
  private static RegistryServer registry;
  private static String mirror;

  @BeforeAll
  static void pushTheFixtures() throws IOException {
    registry = RegistryServer.start(tmp.resolve("registry"));
    mirror = "docker://" + registry.host() + "/mirror";
    Cli.Result push = Cli.run("copy", Fixtures.images(), mirror, "--tls-verify=false");
    assertEquals(0, push.exit(), push::toString);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void indexWritesTheSameCatalog() throws IOException {
    Path fromLayout = tmp.resolve("index-layout");
    Path fromRegistry = tmp.resolve("index-registry");
    for (String tag : List.of("layered", "small", "multi")) {
      Cli.Result a = Cli.run("index", Fixtures.oci(tag), "--out", fromLayout.toString(), "--cache-dir", tmp.resolve("cache-a").toString());
      assertEquals(0, a.exit(), a::toString);
      Cli.Result b = Cli.run("index", mirror + ":" + tag, "--out", fromRegistry.toString(),
          "--cache-dir", tmp.resolve("cache-b").toString(), "--tls-verify=false");
      assertEquals(0, b.exit(), b::toString);
    }
    assertEquals(catalog(fromLayout), catalog(fromRegistry));
  }

  @Test
  void inspectPrintsTheSameImages() {
    for (String tag : List.of("layered", "multi")) {
      Cli.Result a = Cli.run("inspect", "--json", Fixtures.oci(tag));
      Cli.Result b = Cli.run("inspect", "--json", mirror + ":" + tag, "--tls-verify=false");
      assertEquals(0, a.exit(), a::toString);
      assertEquals(0, b.exit(), b::toString);
      assertEquals(withoutRefs(Jsonl.parse(a.out())), withoutRefs(Jsonl.parse(b.out())));
    }
  }

  @Test
  void unpackWritesTheSameTree() throws IOException {
    Path a = tmp.resolve("unpack-layout");
    Path b = tmp.resolve("unpack-registry");
    Cli.Result ra = Cli.run("unpack", Fixtures.oci("layered"), a.toString(), "--cache-dir", tmp.resolve("cache-c").toString());
    Cli.Result rb = Cli.run("unpack", mirror + ":layered", b.toString(), "--cache-dir", tmp.resolve("cache-d").toString(),
        "--tls-verify", "false");
    assertEquals(0, ra.exit(), ra::toString);
    assertEquals(0, rb.exit(), rb::toString);
    assertEquals(List.of(), TreeManifest.of(a, false, false).differences(TreeManifest.of(b, false, false), "layout", "registry"));
  }

  @Test
  void diffPrintsTheSameDifferences() {
    Cli.Result a = Cli.run("diff", Fixtures.oci("small"), Fixtures.oci("layered"), "--cache-dir", tmp.resolve("cache-e").toString());
    Cli.Result b = Cli.run("diff", mirror + ":small", mirror + ":layered", "--cache-dir", tmp.resolve("cache-f").toString(),
        "--tls-verify=false");
    assertEquals(0, a.exit(), a::toString);
    assertEquals(0, b.exit(), b::toString);
    assertTrue(a.out().contains("added"), a::toString);
    assertEquals(a.out(), b.out());
  }

  @Test
  void aPlainHttpRegistryIsRefusedWithoutTheOption() {
    Cli.Result r = Cli.run("inspect", mirror + ":small");
    assertEquals(1, r.exit(), r::toString);
  }

  @Test
  void readsBehindBasicAuthWithTheCredentialsOfRegistryAuthFile() throws Exception {
    try (RegistryServer secured = RegistryServer.startWithBasicAuth(tmp.resolve("secured"), USER, PASSWORD)) {
      String auth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(UTF_8));
      Path authFile = tmp.resolve("auth.json");
      Files.writeString(authFile, "{\"auths\":{\"" + secured.host() + "\":{\"auth\":\"" + auth + "\"}}}");
      String image = "docker://" + secured.host() + "/private:small";
      Cli.Result push = Cli.run("copy", Fixtures.oci("small"), image, "--tls-verify=false", "--authfile", authFile.toString());
      assertEquals(0, push.exit(), push::toString);

      Path catalog = tmp.resolve("index-secured");
      Path tree = tmp.resolve("unpack-secured");
      Map<String, String> env = Map.of("REGISTRY_AUTH_FILE", authFile.toString());
      Cli.Result denied = layerfs(Map.of(), "inspect", image, "--tls-verify=false");
      assertEquals(1, denied.exit(), denied::toString);
      Cli.Result index = layerfs(env, "index", image, "--out", catalog.toString(),
          "--cache-dir", tmp.resolve("cache-g").toString(), "--tls-verify=false");
      assertEquals(0, index.exit(), index::toString);
      Cli.Result unpack = layerfs(env, "unpack", image, tree.toString(), "--cache-dir", tmp.resolve("cache-h").toString(),
          "--tls-verify=false");
      assertEquals(0, unpack.exit(), unpack::toString);

      Path layoutCatalog = tmp.resolve("index-small");
      Path layoutTree = tmp.resolve("unpack-small");
      assertEquals(0, Cli.run("index", Fixtures.oci("small"), "--out", layoutCatalog.toString(),
          "--cache-dir", tmp.resolve("cache-i").toString()).exit());
      assertEquals(0, Cli.run("unpack", Fixtures.oci("small"), layoutTree.toString(),
          "--cache-dir", tmp.resolve("cache-i").toString()).exit());
      assertEquals(catalog(layoutCatalog), catalog(catalog));
      assertEquals(List.of(), TreeManifest.of(layoutTree, false, false)
          .differences(TreeManifest.of(tree, false, false), "layout", "registry"));
    }
  }

  /**
   * A catalog's content by file: its JSON Lines decompressed, {@code images.jsonl} without the
   * references (which name where the image was read) and every file's lines sorted.
   * {@code run.json} says when and from which references the run was made: it is left out.
   */
  private static Map<String, List<String>> catalog(Path dir) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Path f : Layouts.files(dir)) {
      String name = dir.relativize(f).toString();
      if (name.equals("run.json")) {
        continue;
      }
      List<String> lines = new ArrayList<>();
      for (JsonNode n : Jsonl.read(f)) {
        lines.add(withoutRefs(n).toString());
      }
      lines.sort(null);
      out.put(name, lines);
    }
    return out;
  }

  /** {@code node} with every {@code ref} field removed (at any depth in arrays of objects). */
  private static JsonNode withoutRefs(JsonNode node) {
    JsonNode copy = node.deepCopy();
    if (copy instanceof ObjectNode o) {
      o.remove("ref");
    }
    copy.forEach(child -> {
      if (child instanceof ObjectNode o) {
        o.remove("ref");
      }
    });
    return copy;
  }

  /** Runs {@code layerfs} in a JVM of its own with {@code env} added to its environment. */
  private static Cli.Result layerfs(Map<String, String> env, String... argv) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "org.layerfs.pipeline.Main"));
    command.addAll(List.of(argv));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(tmp.resolve("out.log").toFile())
        .redirectError(tmp.resolve("err.log").toFile());
    pb.environment().remove("REGISTRY_AUTH_FILE");
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("layerfs " + String.join(" ", argv) + " did not finish within 120 s");
    }
    return new Cli.Result(p.exitValue(), Files.readString(tmp.resolve("out.log")), Files.readString(tmp.resolve("err.log")));
  }
}
