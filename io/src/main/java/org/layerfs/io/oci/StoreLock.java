package org.layerfs.io.oci;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock that keeps two jobs from writing one local store at once: an OS lock on a lock file
 * that holds the holder's pid. The OS drops the lock when its process dies, so a killed job
 * never leaves a store locked.
 */
public final class StoreLock implements Closeable {
  /** The lock file's name inside an OCI layout. */
  public static final String FILE_NAME = ".layerfs.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private StoreLock(FileChannel channel, FileLock lock) {
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
    FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another job in this JVM
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
      channel.close();
      throw new IOException(
          store + " is being written by another layerfs job (" + (holder.isEmpty() ? "unknown pid" : "pid " + holder)
              + ", lock file " + lockFile + "); run again when it has finished");
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    return new StoreLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
