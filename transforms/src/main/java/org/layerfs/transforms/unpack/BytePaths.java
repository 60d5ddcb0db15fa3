package org.layerfs.transforms.unpack;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Optional;
import org.layerfs.transforms.tar.TarNames;

/**
 * File system paths made from a name's exact bytes ({@link TarNames}). {@code Path.of} encodes a
 * name with the platform charset ({@code sun.jnu.encoding}, set by the locale at JVM start and
 * ignored as a {@code -D} option): under {@code LC_ALL=POSIX} it refuses every non-ASCII name,
 * and no charset takes a name that is not UTF-8. So the JDK's own Unix path is built from the
 * bytes through its package-private constructor, which needs {@code --add-opens
 * java.base/sun.nio.fs=ALL-UNNAMED} (the layerfs jar's manifest adds it). Without it, ASCII names
 * still work and any other name fails with a message that says how to fix it.
 */
final class BytePaths {
  private static final String FIX =
      "run Java with --add-opens java.base/sun.nio.fs=ALL-UNNAMED (the layerfs jar's manifest has it)";
  private static final Constructor<? extends Path> UNIX_PATH;
  private static final String UNAVAILABLE;

  static {
    Constructor<? extends Path> c = null;
    String why = null;
    try {
      Class<?> fs = Class.forName("sun.nio.fs.UnixFileSystem");
      c = Class.forName("sun.nio.fs.UnixPath").asSubclass(Path.class).getDeclaredConstructor(fs, byte[].class);
      c.setAccessible(true);
    } catch (InaccessibleObjectException e) {
      c = null;
      why = "java.base does not open sun.nio.fs to layerfs";
    } catch (ReflectiveOperationException | RuntimeException e) {
      c = null;
      why = e.toString();
    }
    UNIX_PATH = c;
    UNAVAILABLE = why;
  }

  private BytePaths() {}

  /** Why {@code name} cannot be made a path here, if it cannot: so that a plan fails before it writes. */
  static Optional<String> unusable(String name) {
    return UNIX_PATH != null || isAscii(TarNames.encode(name)) ? Optional.empty() : Optional.of(unusableReason(UNAVAILABLE));
  }

  private static String unusableReason(String why) {
    return "a name that is not ASCII cannot be made a path from its bytes (" + why + "): " + FIX;
  }

  /** {@code name} (relative or absolute, as written) as a path of {@code root}'s file system. */
  static Path of(Path root, String name) throws IOException {
    byte[] bytes = TarNames.encode(name);
    if (UNIX_PATH == null || !UNIX_PATH.getDeclaringClass().isInstance(root)) {
      if (isAscii(bytes)) {
        return root.getFileSystem().getPath(name);
      }
      throw new IOException("\"" + TarNames.display(name) + "\": "
          + unusableReason(UNAVAILABLE != null ? UNAVAILABLE : "not a Unix file system"));
    }
    try {
      return UNIX_PATH.newInstance(root.getFileSystem(), bytes);
    } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
      throw new IOException("\"" + TarNames.display(name) + "\": cannot make a path from its bytes: " + e, e);
    }
  }

  /** {@code root} resolved with the relative {@code name}. */
  static Path resolve(Path root, String name) throws IOException {
    return root.resolve(of(root, name));
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }
}
