package org.layerfs.io.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Files written whole, then renamed into place, and durable once the call returns: the content
 * goes to a temporary sibling, is forced to disk, renamed over the final name atomically, and
 * the rename itself is forced (the parent directory synced). A writer that fails leaves nothing
 * under the final name and removes its temporary; a killed one leaves only a temporary, which
 * {@link #isTemporary} recognises so its owner can remove it on the next run.
 */
public final class DurableFiles {
  /** {@code .<final name>-<uuid>.tmp}: the names this helper gives its temporaries. */
  private static final Pattern TEMPORARY =
      Pattern.compile("\\..+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

  private DurableFiles() {}

  /** Something that writes a file's content. */
  public interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /** Writes {@code target} whole or not at all, durably; its parent directories are created. */
  public static void write(Path target, Content content) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = temporarySibling(target.toAbsolutePath());
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(channel);
        content.writeTo(out);
        out.flush();
        channel.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(parent);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes {@code bytes} as {@code target}, whole and durably. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** Copies {@code source} to {@code target}, whole and durably. */
  public static void copy(Path source, Path target) throws IOException {
    write(target, out -> {
      try (InputStream in = Files.newInputStream(source)) {
        in.transferTo(out);
      }
    });
  }

  /**
   * Renames a directory that was filled under a temporary name to {@code target}, durably: its
   * files and itself are forced first, the parent after the rename. Fails when {@code target}
   * exists and is not empty, as a rename does.
   */
  public static void moveDirectory(Path filled, Path target) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(filled)) {
      for (Path file : files) {
        if (Files.isRegularFile(file)) {
          try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
          }
        }
      }
    }
    syncDirectory(filled);
    Files.move(filled, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /** The temporary name {@link #write} uses for {@code target}: hidden, unique, beside it. */
  public static Path temporarySibling(Path target) {
    return target.resolveSibling("." + target.getFileName() + "-" + UUID.randomUUID() + ".tmp");
  }

  /** True for a name {@link #temporarySibling} gives, and no other. */
  public static boolean isTemporary(String fileName) {
    return TEMPORARY.matcher(fileName).matches();
  }

  /** Forces a directory's entries (a rename in it) to disk. */
  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
