package org.layerfs.pipeline.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Layers shaped the way real tools write them, for the unpack oracle: GNU tar (names as given on
 * its command line, {@code --sort=name}, numeric owners) run on directories made here, and for
 * the shapes GNU tar never writes, a tar written entry by entry.
 */
final class LayerShapes {
  static final long MTIME = 1_600_000_000L;

  private LayerShapes() {}

  /** A directory {@code dir} under {@code work}, made anew (mode 0755). */
  static Path dir(Path work, String dir) throws IOException {
    Path d = Files.createDirectories(work.resolve(dir));
    Files.setAttribute(d, "unix:mode", 0755);
    return d;
  }

  /** Writes file {@code path} under {@code root} with {@code content}, mode 0644, the fixed mtime. */
  static Path file(Path root, String path, String content) throws IOException {
    Path f = root.resolve(path);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
    Files.setAttribute(f, "unix:mode", 0644);
    Files.setLastModifiedTime(f, FileTime.from(MTIME, TimeUnit.SECONDS));
    return f;
  }

  /** GNU tar's archive of {@code names} in {@code root} ({@code "."} for the root with everything under it). */
  static byte[] gnuTar(Path root, List<String> options, String... names) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("tar", "-C", root.toString(), "--sort=name", "--numeric-owner", "-cf", "-"));
    cmd.addAll(options);
    cmd.add("--");
    cmd.addAll(List.of(names));
    return run(cmd);
  }

  /** Appends {@code names} in {@code root} to the archive {@code tar} with GNU tar's {@code --append}; returns the archive. */
  static byte[] gnuTarAppend(Path tar, Path root, String... names) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("tar", "-C", root.toString(), "--numeric-owner", "--append", "-f", tar.toString(), "--"));
    cmd.addAll(List.of(names));
    run(cmd);
    return Files.readAllBytes(tar);
  }

  /** A tar holding a hardlink {@code link} to {@code target} before the file {@code target} itself. */
  static byte[] linkBeforeItsTarget(String link, String target) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry l = new TarArchiveEntry(link, TarConstants.LF_LINK);
      l.setLinkName(target);
      out.putArchiveEntry(l);
      out.closeArchiveEntry();
      TarArchiveEntry f = new TarArchiveEntry(target);
      f.setSize(1);
      out.putArchiveEntry(f);
      out.write('x');
      out.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  /** A tar whose only entry is the file {@code path}: its directories have no entries of their own. */
  static byte[] fileWithoutDirectories(String path, long mtime) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name())) {
      TarArchiveEntry f = new TarArchiveEntry(path);
      f.setSize(1);
      f.setModTime(mtime * 1000);
      out.putArchiveEntry(f);
      out.write('x');
      out.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }

  /** Runs {@code cmd}; returns its stdout, failing on a non-zero exit. */
  static byte[] run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
    assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ":\n" + err);
    return out;
  }
}
