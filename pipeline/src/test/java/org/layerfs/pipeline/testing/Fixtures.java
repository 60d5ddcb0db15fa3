package org.layerfs.pipeline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.layerfs.io.testing.TestData;

/**
 * References to the fixtures in {@code testdata/} as the catalog spells them (absolute paths),
 * and one shared index run over them that test classes read instead of indexing again.
 */
public final class Fixtures {
  private static IndexRun shared;
  private static Path sharedDir;

  private Fixtures() {}

  /** {@code oci:<abs testdata/images>}: every tag of the fixture layout. */
  public static String images() {
    return "oci:" + abs(TestData.images());
  }

  /** {@code oci:<abs testdata/images>:TAG}, as images.jsonl writes it. */
  public static String oci(String tag) {
    return images() + ":" + tag;
  }

  /** {@code oci:<abs testdata/bad/NAME>} (one tag, small). */
  public static String bad(String name) {
    return "oci:" + abs(TestData.bad(name));
  }

  public static String layeredDockerArchive() {
    return "docker-archive:" + abs(TestData.layeredDockerArchive());
  }

  public static String smallOciDockerArchive() {
    return "docker-archive:" + abs(TestData.smallOciDockerArchive());
  }

  private static String abs(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }

  /**
   * The index of {@code oci:testdata/images} (every tag) plus both docker archives, built once per
   * JVM into a temporary directory (removed when the JVM exits) and shared by the test classes.
   * Its cache must only be read: copy it before damaging it.
   */
  public static synchronized IndexRun shared() {
    if (shared == null) {
      try {
        sharedDir = Files.createTempDirectory("layerfs-shared-index");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path dir = sharedDir;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException ignored) {
          // best effort
        }
      }));
      IndexRun run = IndexRun.run(dir.resolve("out"), dir.resolve("cache"),
          List.of(images(), layeredDockerArchive(), smallOciDockerArchive()));
      assertEquals(0, run.result.exit(), () -> "shared index run failed: " + run.result);
      shared = run;
    }
    return shared;
  }
}
