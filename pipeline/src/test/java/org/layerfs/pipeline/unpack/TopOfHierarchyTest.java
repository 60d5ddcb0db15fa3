package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.pipeline.testing.Cli;
import org.layerfs.pipeline.testing.Fixtures;

/** The Orlov hint on an unpack's temporary directory: set where the file system has it, and never on the tree. */
class TopOfHierarchyTest {
  @TempDir Path tmp;

  @Test
  void marksADirectoryTheTopOfAHierarchy() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("top"));
    assumeTrue(flags(dir).isPresent(), "the file system of " + tmp + " has no chattr flags");
    assertFalse(flags(dir).orElseThrow().contains("T"));

    assertTrue(TopOfHierarchy.mark(dir));
    assertTrue(flags(dir).orElseThrow().contains("T"), flags(dir).orElseThrow());
  }

  @Test
  void theUnpackedTreeDoesNotKeepTheMark() throws Exception {
    Path out = tmp.resolve("out");
    Cli.Result r = Cli.run(List.of("unpack", Fixtures.oci("small"), out.toString(), "--rootless", "--cache-dir", tmp.resolve("cache").toString()));
    assertEquals(0, r.exit(), r::toString);
    assumeTrue(flags(out).isPresent(), "the file system of " + tmp + " has no chattr flags");
    assertFalse(flags(out).orElseThrow().contains("T"), flags(out).orElseThrow());
  }

  /** The flags {@code lsattr -d} prints for {@code dir}, empty when it cannot list them. */
  private static Optional<String> flags(Path dir) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("lsattr", "-d", dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      return Optional.empty(); // no lsattr here
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return p.waitFor() == 0 ? Optional.of(out.split("\\s+")[0]) : Optional.empty();
  }
}
