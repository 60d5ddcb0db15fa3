package org.layerfs.io.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.io.BaseEncoding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A directory tree as Python lists it with names as bytes, never through Java's charset: path
 * (hex of its bytes, relative) to {@code "kind mode links content xattrs"}, where content is the
 * hex of a file's bytes or of a symlink's target and xattrs are the {@code user.*} ones,
 * {@code name=hex}. The oracle for trees whose names are not UTF-8.
 */
public final class RawTree {
  private static final String LISTER = String.join("\n",
      "import os, stat, sys",
      "root = os.fsencode(sys.argv[1])",
      "for d, dirs, files in os.walk(root):",
      "    for n in dirs + files:",
      "        p = os.path.join(d, n)",
      "        st = os.lstat(p)",
      "        m = st.st_mode",
      "        kind = 'dir' if stat.S_ISDIR(m) else 'link' if stat.S_ISLNK(m) else 'file' if stat.S_ISREG(m) else 'fifo' if stat.S_ISFIFO(m) else 'other'",
      "        content = open(p, 'rb').read().hex() if kind == 'file' else os.readlink(p).hex() if kind == 'link' else '-'",
      "        xattrs = ''",
      "        if kind in ('file', 'dir'):",
      "            for a in sorted(os.listxattr(p, follow_symlinks=False)):",
      "                if a.startswith('user.'):",
      "                    xattrs += ' ' + a + '=' + os.getxattr(p, a, follow_symlinks=False).hex()",
      "        print(os.path.relpath(p, root).hex(), kind, '%04o' % stat.S_IMODE(m), st.st_nlink, content + xattrs)");

  private RawTree() {}

  public static String hex(byte[] bytes) {
    return BaseEncoding.base16().lowerCase().encode(bytes);
  }

  public static String hex(String utf8) {
    return hex(utf8.getBytes(UTF_8));
  }

  /** Lists {@code root} (whose own path must be ASCII). */
  public static Map<String, String> list(Path root) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("python3", "-c", LISTER, root.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("listing " + root + " failed: " + out);
    }
    Map<String, String> tree = new TreeMap<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        int space = line.indexOf(' ');
        tree.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    return tree;
  }
}
