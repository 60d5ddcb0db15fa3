package org.layerfs.io.oci;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The lock that keeps two jobs from writing one local store at once: an OS lock on a lock file
 * that holds the holder's pid. The OS drops the lock when its process dies, so a killed job
 * never leaves a store locked.
 *
 * <p>OS locks belong to the process, and closing any channel of the file drops them all. So a
 * process holds one lock per store, kept here by the lock file's real path: a second job of the
 * same process asking for it is refused without ever opening the file again.
 */
public final class StoreLock implements Closeable {
  /** The lock file's name inside an OCI layout. */
  public static final String FILE_NAME = ".layerfs.lock";

  /** The stores this process holds, by real path of their lock file. Guarded by itself. */
  private static final Map<Path, StoreLock> HELD = new HashMap<>();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private StoreLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks the OCI layout at {@code dir} (creating the directory), or fails naming the holder. */
  public static StoreLock layout(Path dir) throws IOException {
    Files.createDirectories(dir);
    return acquire(dir.resolve(FILE_NAME), "oci:" + dir);
  }

  /** Locks the archive at {@code file} through a lock file beside it. */
  public static StoreLock archive(Path file) throws IOException {
    Path abs = file.toAbsolutePath();
    Files.createDirectories(abs.getParent());
    return acquire(abs.resolveSibling("." + abs.getFileName() + FILE_NAME), "docker-archive:" + file);
  }

  private static StoreLock acquire(Path lockFile, String store) throws IOException {
    Path key = lockFile.toAbsolutePath().getParent().toRealPath().resolve(lockFile.getFileName());
    synchronized (HELD) {
      if (HELD.containsKey(key)) {
        throw busy(store, "pid " + ProcessHandle.current().pid(), lockFile);
      }
      FileChannel channel =
          FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      if (lock == null) {
        // Another process holds it; this one holds no lock on the file, so reading it is safe.
        String holder = new String(Files.readAllBytes(key), StandardCharsets.UTF_8).trim();
        channel.close();
        throw busy(store, holder.isEmpty() ? "unknown pid" : "pid " + holder, lockFile);
      }
      channel.truncate(0);
      // Not forced to disk: other jobs read the pid from the page cache, and a crash drops the lock.
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      StoreLock held = new StoreLock(key, channel, lock);
      HELD.put(key, held);
      return held;
    }
  }

  private static IOException busy(String store, String holder, Path lockFile) {
    return new IOException(
        store + " is being written by another layerfs job (" + holder + ", lock file " + lockFile
            + "); run again when it has finished");
  }

  @Override
  public void close() throws IOException {
    synchronized (HELD) {
      if (HELD.get(key) != this) {
        return; // closed already
      }
      HELD.remove(key);
      try {
        lock.release();
      } finally {
        channel.close();
      }
    }
  }
}
