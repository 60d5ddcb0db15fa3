package org.layerfs.pipeline.run;

import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The job jar in a directory every node of a Flink cluster reads (--flinkJobJarDir), named by a
 * hash of its content: a launcher of the same build finds it there and copies nothing; another
 * build puts its own beside it, so a job still running keeps the jar it started with.
 */
final class SharedJobJar {
  private SharedJobJar() {}

  /** The copy of {@code jar} in {@code dir}, made when the directory does not hold it yet. */
  static Path place(Path jar, Path dir) {
    try {
      Path shared = dir.resolve("layerfs-job-" + contentHash(jar).substring(0, 32) + ".jar");
      if (Files.isRegularFile(shared) && Files.size(shared) == Files.size(jar)) {
        return shared;
      }
      Files.createDirectories(dir);
      // Written beside its final name and renamed: a node never loads a half-copied jar.
      Path part = Files.createTempFile(dir, ".layerfs-job-", ".jar.tmp");
      try {
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel c = FileChannel.open(part, StandardOpenOption.WRITE)) {
          c.force(true);
        }
        Files.move(part, shared, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(part);
      }
      return shared;
    } catch (IOException e) {
      throw new UncheckedIOException("--flinkJobJarDir=" + dir + ": cannot place the job jar there: " + e.getMessage(), e);
    }
  }

  /**
   * The jar's SHA-256, kept beside it ({@code layerfs-job.jar.sha256}) with the size and time of the
   * jar it was taken of: hashing 67 MB took 0.3 to 0.5 s of every command. Where the launcher's
   * directory cannot be written, it is hashed each time.
   */
  private static String contentHash(Path jar) throws IOException {
    Path kept = jar.resolveSibling(jar.getFileName() + ".sha256");
    String stamp = Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis() + " ";
    if (Files.isRegularFile(kept)) {
      String k = Files.readString(kept, StandardCharsets.US_ASCII).trim();
      if (k.startsWith(stamp) && k.length() == stamp.length() + 64) {
        return k.substring(stamp.length());
      }
    }
    String hash = sha256(jar);
    try {
      Path part = Files.createTempFile(kept.getParent(), ".layerfs-job-", ".sha256.tmp");
      Files.writeString(part, stamp + hash + "\n", StandardCharsets.US_ASCII);
      Files.move(part, kept, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // Not writable (an installed launcher): the next command hashes the jar again.
    }
    return hash;
  }

  private static String sha256(Path file) throws IOException {
    return MoreFiles.asByteSource(file).hash(Hashing.sha256()).toString();
  }
}
