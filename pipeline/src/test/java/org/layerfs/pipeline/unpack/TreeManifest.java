package org.layerfs.pipeline.unpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import com.google.common.io.MoreFiles;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a tree on disk holds, for comparing two trees: per path its type, mode (with
 * setuid/setgid/sticky), owner, size and sha256 (files), link target (symlinks), mtime and
 * {@code user.*} xattrs; and the hardlink groups (paths sharing an inode). The root itself is
 * {@code "."}, without its mtime (an extractor sets it when the image has no root entry).
 */
public record TreeManifest(Map<String, String> nodes, Set<String> hardlinkGroups) {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  public static TreeManifest of(Path root, boolean owners, boolean xattrs) throws IOException {
    Map<String, String> nodes = new TreeMap<>();
    Map<Object, Set<String>> byInode = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String path = p.equals(root) ? "." : root.relativize(p).toString().replace(File.separatorChar, '/');
        Map<String, Object> a = Files.readAttributes(p, "unix:*", NOFOLLOW);
        int mode = (int) a.get("mode");
        String type = switch (mode & 0170000) {
          case 0100000 -> "file";
          case 0040000 -> "dir";
          case 0120000 -> "symlink";
          case 0010000 -> "fifo";
          case 0020000 -> "char " + a.get("rdev");
          case 0060000 -> "block " + a.get("rdev");
          default -> "unknown " + Integer.toOctalString(mode);
        };
        StringBuilder n = new StringBuilder(type).append(' ').append(String.format("%04o", mode & 07777));
        if (owners) {
          n.append(' ').append(a.get("uid")).append(':').append(a.get("gid"));
        }
        if (type.equals("file")) {
          n.append(' ').append(Files.size(p)).append(' ').append(MoreFiles.asByteSource(p).hash(Hashing.sha256()));
          if ((int) a.get("nlink") > 1) {
            byInode.computeIfAbsent(((Number) a.get("ino")).longValue(), k -> new TreeSet<>()).add(path);
          }
        }
        if (type.equals("symlink")) {
          n.append(" -> ").append(Files.readSymbolicLink(p));
        }
        if (!p.equals(root)) {
          n.append(" @").append(((FileTime) a.get("lastModifiedTime")).toMillis() / 1000);
        }
        if (xattrs && (type.equals("file") || type.equals("dir"))) { // opening anything else could block
          UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, NOFOLLOW);
          for (String name : new TreeSet<>(view.list())) {
            ByteBuffer buf = ByteBuffer.allocate(view.size(name));
            view.read(name, buf);
            n.append(" user.").append(name).append('=').append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
          }
        }
        nodes.put(path, n.toString());
      }
    }
    Set<String> groups = new TreeSet<>();
    byInode.values().forEach(g -> groups.add(String.join(" = ", g)));
    return new TreeManifest(nodes, groups);
  }

  /** This manifest without the mtimes of {@code paths}: directories whose time the extractor chooses. */
  TreeManifest withoutMtimes(Set<String> paths) {
    Map<String, String> copy = new TreeMap<>(nodes);
    paths.forEach(p -> copy.computeIfPresent(p, (k, n) -> n.replaceAll(" @-?[0-9]+", "")));
    return new TreeManifest(copy, hardlinkGroups);
  }

  /**
   * The manifest of {@code root} with names, link targets and xattr values as bytes (UTF-8 where
   * valid, {@code \\xNN} for other bytes), every xattr namespace, and the root itself as
   * {@code "."} (mode and owner, no time); made by shapes_oracle.py, since Java cannot see a name
   * that is not UTF-8. Times at or after {@code since} (epoch seconds) are the extractor's clock
   * (directories no entry describes) and read {@code @extracted}.
   */
  static TreeManifest ofRawNames(Path root, boolean owners, long since) throws IOException, InterruptedException {
    List<String> cmd = List.of("python3", oracleScript().toString(), "tree", root.toString(), owners ? "owners" : "-", Long.toString(since));
    JsonNode doc = new ObjectMapper().readTree(run(cmd));
    Map<String, String> nodes = new TreeMap<>();
    doc.get("nodes").fields().forEachRemaining(n -> nodes.put(n.getKey(), n.getValue().asText()));
    Set<String> groups = new TreeSet<>();
    doc.get("hardlinkGroups").forEach(g -> groups.add(g.asText()));
    return new TreeManifest(nodes, groups);
  }

  /** shapes_oracle.py, from the test classpath. */
  static Path oracleScript() {
    try {
      return Path.of(TreeManifest.class.getResource("shapes_oracle.py").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code cmd}; returns its stdout, failing the test when it exits non-zero. */
  static byte[] run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + ": failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
    }
    return out;
  }

  /** The paths whose nodes differ, each with both sides; empty when the trees are the same. */
  public List<String> differences(TreeManifest other, String thisName, String otherName) {
    Set<String> all = new TreeSet<>(nodes.keySet());
    all.addAll(other.nodes.keySet());
    List<String> diffs = new ArrayList<>();
    for (String p : all) {
      String a = nodes.get(p);
      String b = other.nodes.get(p);
      if (a == null || !a.equals(b)) {
        diffs.add(p + "\n    " + thisName + ": " + a + "\n    " + otherName + ": " + b);
      }
    }
    if (!hardlinkGroups.equals(other.hardlinkGroups)) {
      diffs.add("hardlink groups\n    " + thisName + ": " + hardlinkGroups + "\n    " + otherName + ": " + other.hardlinkGroups);
    }
    return diffs;
  }
}
