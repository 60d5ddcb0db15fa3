package org.layerfs.io.files;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
  @TempDir Path dir;

  @Test
  void writesTheWholeFileAndLeavesNoTemporary() throws IOException {
    Path target = dir.resolve("sub/report.json");
    DurableFiles.write(target, "{}".getBytes(UTF_8));
    assertEquals("{}", Files.readString(target));
    assertEquals(List.of("report.json"), names(target.getParent()));
  }

  @Test
  void aWriterThatThrowsLeavesNothingUnderTheFinalNameAndNoTemporary() throws IOException {
    Path target = dir.resolve("catalog.jsonl");
    IOException e = assertThrows(IOException.class, () -> DurableFiles.write(target, out -> {
      out.write("half a line".getBytes(UTF_8));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertEquals(List.of(), names(dir));
  }

  @Test
  void aWriterThatThrowsKeepsThePreviousFileWhole() throws IOException {
    Path target = dir.resolve("index.json");
    DurableFiles.write(target, "old".getBytes(UTF_8));
    assertThrows(IllegalStateException.class, () -> DurableFiles.write(target, out -> {
      out.write("new, partly".getBytes(UTF_8));
      throw new IllegalStateException("bug");
    }));
    assertEquals("old", Files.readString(target));
    assertEquals(List.of("index.json"), names(dir));
  }

  @Test
  void replacesAnExistingFile() throws IOException {
    Path target = dir.resolve("index.json");
    DurableFiles.write(target, "old".getBytes(UTF_8));
    DurableFiles.write(target, "new".getBytes(UTF_8));
    assertEquals("new", Files.readString(target));
  }

  @Test
  void movesAFilledDirectoryIntoPlace() throws IOException {
    Path filled = Files.createDirectory(dir.resolve(".tmp-entry"));
    Files.writeString(filled.resolve("summary.json"), "{}");
    Path target = dir.resolve("entry");
    DurableFiles.moveDirectory(filled, target);
    assertEquals("{}", Files.readString(target.resolve("summary.json")));
    assertFalse(Files.exists(filled));
  }

  @Test
  void recognisesOnlyItsOwnTemporaryNames() {
    assertTrue(DurableFiles.isTemporary(DurableFiles.temporarySibling(dir.resolve("index.json")).getFileName().toString()));
    assertFalse(DurableFiles.isTemporary("index.json"));
    assertFalse(DurableFiles.isTemporary("notes.tmp"));
    assertFalse(DurableFiles.isTemporary(".index.json.tmp"));
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
