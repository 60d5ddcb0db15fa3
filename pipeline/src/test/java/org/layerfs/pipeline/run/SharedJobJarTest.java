package org.layerfs.pipeline.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job jar is copied into the shared directory once per content, and only under its final name whole. */
class SharedJobJarTest {
  @TempDir Path tmp;

  @Test
  void theSameJarIsCopiedOnceAndAnotherGetsItsOwnName() throws Exception {
    Path dir = tmp.resolve("shared");
    Path jar = Files.writeString(tmp.resolve("layerfs-job.jar"), "build one");

    Path first = SharedJobJar.place(jar, dir);
    assertEquals("build one", Files.readString(first));
    Files.setLastModifiedTime(first, FileTime.fromMillis(0));
    Path again = SharedJobJar.place(jar, dir);
    assertEquals(first, again);
    assertEquals(FileTime.fromMillis(0), Files.getLastModifiedTime(again), "copied again");

    Files.writeString(jar, "build two");
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 1000)); // a later build
    Path second = SharedJobJar.place(jar, dir);
    assertNotEquals(first, second);
    assertEquals("build one", Files.readString(first));
    assertEquals("build two", Files.readString(second));
    assertEquals(List.of(first, second).stream().sorted().toList(), list(dir));
  }

  @Test
  void theHashKeptBesideTheJarNamesItWhileTheJarIsUnchanged() throws Exception {
    Path jar = Files.writeString(tmp.resolve("layerfs-job.jar"), "the jar");
    String stamp = Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis() + " ";
    Files.writeString(tmp.resolve("layerfs-job.jar.sha256"), stamp + "ab".repeat(32) + "\n");

    assertEquals("layerfs-job-" + "ab".repeat(16) + ".jar", SharedJobJar.place(jar, tmp.resolve("a")).getFileName().toString());
    Files.setLastModifiedTime(jar, FileTime.fromMillis(0));
    Path hashed = SharedJobJar.place(jar, tmp.resolve("b"));
    assertNotEquals("layerfs-job-" + "ab".repeat(16) + ".jar", hashed.getFileName().toString());
    assertEquals(hashed.getFileName(), SharedJobJar.place(jar, tmp.resolve("c")).getFileName());
  }

  @Test
  void aCopyCutShortUnderTheFinalNameIsReplaced() throws Exception {
    Path dir = tmp.resolve("shared");
    Path jar = Files.writeString(tmp.resolve("layerfs-job.jar"), "the whole jar");
    Path placed = SharedJobJar.place(jar, dir);
    Files.writeString(placed, "the wh");

    assertEquals(placed, SharedJobJar.place(jar, dir));
    assertEquals("the whole jar", Files.readString(placed));
    assertEquals(List.of(placed), list(dir));
  }

  private static List<Path> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
