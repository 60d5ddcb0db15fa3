package org.layerfs.transforms.unpack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The mode a file can be given by the {@code open(2)} that creates it, so that no {@code chmod(2)}
 * follows: one system call less per file of an unpack. {@code open} applies the process's umask, so
 * this is offered only for modes the umask leaves whole, without setuid, setgid or sticky bits
 * (which {@link PosixFilePermission} cannot express, and which a later {@code chown} clears), and
 * readable and writable by the owner: the times are set afterwards through a read-only open, and
 * {@code user.*} xattrs need write access, which a non-root owner would not have otherwise.
 */
final class CreationMode {
  private static final PosixFilePermission[] BITS = {
    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
  };
  /** The umask, or -1 when it cannot be read (then every mode is set with chmod). */
  private static final int UMASK = readUmask();

  private CreationMode() {}

  /** The attribute that creates a file with exactly {@code mode}, when there is one. */
  static Optional<FileAttribute<Set<PosixFilePermission>>> of(int mode) {
    if (UMASK < 0 || (mode & ~0777) != 0 || (mode & UMASK) != 0 || (mode & 0600) != 0600) {
      return Optional.empty();
    }
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        perms.add(BITS[bit]);
      }
    }
    return Optional.of(PosixFilePermissions.asFileAttribute(perms));
  }

  /** The {@code Umask:} line of Linux's {@code /proc/self/status} (Linux 4.7 and later), or -1. */
  private static int readUmask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring("Umask:".length()).trim(), 8);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an older kernel: chmod after every create
    }
    return -1;
  }
}
