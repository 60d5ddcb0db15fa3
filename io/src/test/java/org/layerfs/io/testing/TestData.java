package org.layerfs.io.testing;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Finds the committed fixtures in {@code testdata/} (see testdata/README.md). Maven runs tests
 * with the module as working directory, so this walks up from there to the first directory that
 * holds {@code testdata/}.
 */
public final class TestData {
  private static Path root;

  private TestData() {}

  /** The {@code testdata/} directory. */
  public static synchronized Path root() {
    if (root == null) {
      Path dir = Path.of("").toAbsolutePath().normalize();
      for (Path d = dir; d != null; d = d.getParent()) {
        Path candidate = d.resolve("testdata");
        if (Files.isDirectory(candidate.resolve("images"))) {
          root = candidate;
          return root;
        }
      }
      throw new UncheckedIOException(
          new NoSuchFileException(dir.toString(), null, "no testdata/ directory here or above"));
    }
    return root;
  }

  /** A path inside {@code testdata/}. */
  public static Path path(String relative) {
    return root().resolve(relative);
  }

  /** The OCI layout with the tags small, layered, layered-zstd, multi and uncompressed. */
  public static Path images() {
    return path("images");
  }

  /** The layer-shape layout (testdata/make-layer-shapes.sh): one tag per real-world layer shape. */
  public static Path shapes() {
    return path("shapes");
  }

  /** One of the broken layouts in {@code testdata/bad/}. */
  public static Path bad(String name) {
    return path("bad").resolve(name);
  }

  /** The classic {@code docker save} archive of {@code layered} (RepoTags layerfs/layered:1.0). */
  public static Path layeredDockerArchive() {
    return path("layered.docker.tar");
  }

  /** The Docker 25+ style archive of {@code small}, with an OCI layout inside. */
  public static Path smallOciDockerArchive() {
    return path("small.oci-docker.tar");
  }
}
