package org.layerfs.transforms.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.layerfs.transforms.tar.EntryType;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.TarNames;

/**
 * A directory tree that entries are written into without ever reaching outside it. Every path is
 * a normalised relative path (no {@code ..}, no leading {@code /}); every parent directory is
 * checked with {@code lstat} to be a real directory, never a symlink, before anything is created
 * in it; leaves are created exclusively (a symlink at the leaf is never followed); hardlinks may
 * only point at existing non-directories inside the tree.
 *
 * <p>Ownership is applied ({@code lchown}) when running as root, or handed to an {@link OwnerLog}
 * (rootless). Device nodes are made with {@code mknod} as root and skipped otherwise; fifos with
 * {@code mkfifo} (Java can create neither). Only {@code user.*} extended attributes can be set
 * from Java; others are skipped and reported in {@link #notices()}. Entries of distinct paths may
 * be written from several threads at once ({@link LayerWriter} does); directories are made first.
 */
public final class SafeTree {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private static final Set<StandardOpenOption> CREATE_NEW_FILE = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  private static final String USER_XATTR = "user.";
  private static final long MAX_LINUX_ID = 0xFFFF_FFFEL;

  /** Receives the owner of each entry when owners are recorded rather than applied; from several threads at once. */
  public interface OwnerLog {
    void record(String path, long uid, long gid) throws IOException;
  }

  private final Path root;
  private final int maxPathLength;
  /** Null when owners are applied. */
  private final OwnerLog ownerLog;
  /** Directories already checked to be real directories, with every ancestor. */
  private final Set<String> checkedDirs = ConcurrentHashMap.newKeySet();
  private final List<String> notices = Collections.synchronizedList(new ArrayList<>());

  private SafeTree(Path root, int maxPathLength, OwnerLog ownerLog) throws IOException {
    if (!Files.isDirectory(root, NOFOLLOW)) {
      throw new IOException(root + ": not a directory");
    }
    this.root = root.toRealPath();
    this.maxPathLength = maxPathLength;
    this.ownerLog = ownerLog;
  }

  /** A tree whose entries get their owners and device nodes: for a process running as root. */
  public static SafeTree applyingOwners(Path root, int maxPathLength) throws IOException {
    return new SafeTree(root, maxPathLength, null);
  }

  /** A rootless tree: owners go to {@code log}, device nodes are skipped. */
  public static SafeTree recordingOwners(Path root, int maxPathLength, OwnerLog log) throws IOException {
    return new SafeTree(root, maxPathLength, log);
  }

  /** True when this process runs as root (uid 0), so owners and devices can be applied. */
  public static boolean runningAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  public Path root() {
    return root;
  }

  /** What was skipped (devices when not root, xattrs Java cannot set), one line each. */
  public List<String> notices() {
    synchronized (notices) {
      return List.copyOf(notices);
    }
  }

  /** Creates directory {@code path} (its parent must exist); its metadata comes with {@link #finishDirectory}. */
  public void mkdir(String path) throws IOException {
    Path p = checkedParent(path);
    try {
      Files.createDirectory(p);
    } catch (FileAlreadyExistsException e) {
      if (!isRealDirectory(p)) {
        throw UnsafeEntryException.entry(path, "exists and is not a directory");
      }
    }
    checkedDirs.add(path);
  }

  /**
   * Writes {@code entry} (a file, symlink, fifo or device) with its metadata; {@code content} is
   * read for files. Returns the content bytes written; a device skipped when not root writes 0.
   */
  public long write(FileEntry entry, InputStream content) throws IOException {
    Path p = checkedParent(entry.path());
    switch (entry.type()) {
      case FILE -> {
        Optional<FileAttribute<Set<PosixFilePermission>>> mode = CreationMode.of(entry.mode());
        long n = writeFile(entry, p, content, mode);
        setXattrs(entry, p);
        setMetadata(entry, p, mode.isEmpty());
        return n;
      }
      case SYMLINK -> {
        String target = entry.linkTarget().orElse("");
        checkLength(entry.path(), target, "symlink target");
        if (target.indexOf('\0') >= 0) {
          throw UnsafeEntryException.entry(entry.path(), "NUL in symlink target"); // symlink(2) would cut it there
        }
        Path t = BytePaths.of(root, target); // the target's bytes as written, never normalised
        replaceLeaf(entry.path(), p);
        Files.createSymbolicLink(p, t);
        setMetadata(entry, p, true);
      }
      case FIFO -> {
        makeNode(entry, p, tmp -> List.of("mkfifo", "-m", octal(entry.mode()), "--", tmp));
        setMetadata(entry, p, true);
      }
      case CHAR, BLOCK -> {
        if (ownerLog != null) {
          notices.add("device " + TarNames.display(entry.path()) + " (" + entry.type().label() + " " + entry.devMajor() + ":" + entry.devMinor()
              + ") skipped: device nodes need root");
          return 0;
        }
        makeNode(entry, p, tmp -> List.of("mknod", "-m", octal(entry.mode()), "--", tmp, entry.type() == EntryType.CHAR ? "c" : "b",
            Integer.toString(entry.devMajor()), Integer.toString(entry.devMinor())));
        setMetadata(entry, p, true);
      }
      default -> throw new IllegalArgumentException(entry.path() + ": write takes files, symlinks, fifos and devices, not " + entry.type());
    }
    return 0;
  }

  /**
   * Makes {@code path} a hardlink to {@code target}, which must exist in the tree and not be a
   * directory; a symlink target is linked itself, never followed.
   */
  public void hardlink(String path, String target) throws IOException {
    Path p = checkedParent(path);
    Path t;
    try {
      t = checkedParent(target);
    } catch (UnsafeEntryException e) {
      throw UnsafeEntryException.entry(path, "hardlink target \"" + target + "\" is not usable: " + e.getMessage());
    }
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(t, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      throw UnsafeEntryException.entry(path, "hardlink to \"" + target + "\", which does not exist");
    }
    if (a.isDirectory()) {
      throw UnsafeEntryException.entry(path, "hardlink to \"" + target + "\", which is a directory");
    }
    replaceLeaf(path, p);
    // link(2) does not follow a symlink at the target on Linux: the link is to the symlink itself.
    Files.createLink(p, t);
  }

  /** Applies a directory's xattrs, mtime, owner and mode: after everything inside it is written. */
  public void finishDirectory(FileEntry entry) throws IOException {
    Path p = checkedParent(entry.path());
    if (!isRealDirectory(p)) {
      throw UnsafeEntryException.entry(entry.path(), "is not a directory");
    }
    setXattrs(entry, p);
    setMetadata(entry, p, true);
  }

  /** Applies the root directory's own entry ({@code ./} in a tar) to the tree's root: xattrs, mtime, owner, mode. */
  public void finishRoot(FileEntry entry) throws IOException {
    setXattrs(entry, root);
    setMetadata(entry, root, true);
  }

  /** Checks {@code path} and every directory above it; returns where it lands in the tree. */
  private Path checkedParent(String path) throws IOException {
    checkName(path);
    int slash = path.lastIndexOf('/');
    if (slash > 0 && !checkedDirs.contains(path.substring(0, slash))) {
      // Top down, so a symlink is found before anything under it is looked at.
      for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
        String dir = path.substring(0, i);
        if (checkedDirs.contains(dir)) {
          continue;
        }
        Path d = BytePaths.resolve(root, dir);
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(d, BasicFileAttributes.class, NOFOLLOW);
        } catch (IOException e) {
          throw UnsafeEntryException.entry(path, "parent \"" + dir + "\" does not exist");
        }
        if (a.isSymbolicLink()) {
          throw UnsafeEntryException.entry(path, "parent \"" + dir + "\" is a symlink: writing through it could leave the tree");
        }
        if (!a.isDirectory()) {
          throw UnsafeEntryException.entry(path, "parent \"" + dir + "\" is not a directory");
        }
        checkedDirs.add(dir);
      }
    }
    return BytePaths.resolve(root, path);
  }

  private void checkName(String path) throws UnsafeEntryException {
    if (path.isEmpty()) {
      throw UnsafeEntryException.entry(path, "empty path");
    }
    checkLength(path, path, "path");
    if (path.startsWith("/")) {
      throw UnsafeEntryException.entry(path, "absolute path");
    }
    if (path.indexOf('\0') >= 0) {
      throw UnsafeEntryException.entry(path, "NUL in path");
    }
    for (String part : path.split("/", -1)) {
      if (part.equals("..")) {
        throw UnsafeEntryException.entry(path, "has a \"..\" component");
      }
      if (part.isEmpty() || part.equals(".")) {
        throw UnsafeEntryException.entry(path, "not a normalised path");
      }
    }
  }

  private void checkLength(String path, String text, String what) throws UnsafeEntryException {
    int bytes = TarNames.encode(text).length;
    if (bytes > maxPathLength) {
      throw UnsafeEntryException.entry(
          path.length() > 200 ? path.substring(0, 200) + "..." : path,
          what + " of " + bytes + " bytes exceeds the limit of " + maxPathLength);
    }
  }

  /** Removes what a duplicate entry of the same layer left at a leaf: never a directory. */
  private static void replaceLeaf(String path, Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isDirectory()) {
      throw UnsafeEntryException.entry(path, "a directory is already there");
    }
    Files.delete(p); // unlink(2): a symlink is removed, not followed
  }

  /**
   * Creates the file {@code p} with {@code content}, and with {@code mode} when given. CREATE_NEW is
   * O_EXCL: it fails on a symlink rather than following it; what is there (only a duplicate entry
   * of the same layer leaves something) is removed first and the create tried again.
   */
  private long writeFile(FileEntry entry, Path p, InputStream content, Optional<FileAttribute<Set<PosixFilePermission>>> mode)
      throws IOException {
    FileAttribute<?>[] attributes = mode.map(m -> new FileAttribute<?>[] {m}).orElse(new FileAttribute<?>[0]);
    SeekableByteChannel created;
    try {
      created = Files.newByteChannel(p, CREATE_NEW_FILE, attributes);
    } catch (FileAlreadyExistsException e) {
      replaceLeaf(entry.path(), p);
      created = Files.newByteChannel(p, CREATE_NEW_FILE, attributes);
    }
    try (OutputStream out = Channels.newOutputStream(created)) {
      return content.transferTo(out);
    }
  }

  /**
   * Sets {@code user.*} xattrs of files and directories (opening anything else could block or
   * act), each value its exact bytes; what cannot be set is reported, never altered.
   */
  private void setXattrs(FileEntry entry, Path p) throws IOException {
    for (Map.Entry<String, String> x : entry.xattrs().entrySet()) {
      String what = "xattr " + TarNames.display(x.getKey()) + " of " + TarNames.display(entry.path()) + " not set: ";
      if (x.getKey().startsWith(USER_XATTR) && !x.getKey().matches("[\\x21-\\x7e]+")) {
        // Java would encode the name with the platform charset: setfattr takes its bytes.
        PrivilegedXattrs.set(root, entry.path(), Map.of(x.getKey(), x.getValue())).ifPresent(why -> notices.add(what + why));
      } else if (x.getKey().startsWith(USER_XATTR)) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, NOFOLLOW);
        if (view == null) {
          notices.add(what + "the file system has no user xattrs");
          continue;
        }
        try {
          view.write(x.getKey().substring(USER_XATTR.length()), ByteBuffer.wrap(TarNames.encode(x.getValue())));
        } catch (FileSystemException | IllegalArgumentException e) {
          // e.g. the file system refuses user xattrs or this size; a name the locale cannot encode
          notices.add(what + e.getMessage());
        }
      } else if (ownerLog != null) {
        notices.add(what + "only root can set xattrs outside user.*");
      }
    }
  }

  /**
   * Sets the xattrs outside {@code user.*} (file capabilities, {@code trusted.*}) of a file or
   * directory as root: after its owner, since {@code chown} clears {@code security.capability}.
   */
  private void setPrivilegedXattrs(FileEntry entry) throws IOException {
    Map<String, String> privileged = new TreeMap<>(entry.xattrs());
    privileged.keySet().removeIf(name -> name.startsWith(USER_XATTR));
    PrivilegedXattrs.set(root, entry.path(), privileged).ifPresent(why ->
        notices.add("xattr " + TarNames.display(String.join(", ", privileged.keySet())) + " of "
            + TarNames.display(entry.path()) + " not set: " + why));
  }

  /**
   * Times, then owner, then mode ({@code setMode} false when the file was created with it): {@code
   * chown} clears setuid bits, and as a non-root user a file whose final mode forbids reading
   * could not be opened to set its times.
   */
  private void setMetadata(FileEntry entry, Path p, boolean setMode) throws IOException {
    FileTime mtime = FileTime.from(entry.mtime(), TimeUnit.SECONDS);
    boolean special = entry.type() == EntryType.FIFO || entry.type() == EntryType.CHAR || entry.type() == EntryType.BLOCK;
    if (!special) { // makeNode set the times of fifos and devices
      Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(mtime, mtime, null);
    }
    if (ownerLog != null) {
      ownerLog.record(entry.path(), entry.uid(), entry.gid());
    } else if (entry.uid() != 0 || entry.gid() != 0) {
      Files.setAttribute(p, "unix:uid", linuxId(entry, "uid", entry.uid()), NOFOLLOW); // lchown
      Files.setAttribute(p, "unix:gid", linuxId(entry, "gid", entry.gid()), NOFOLLOW);
    }
    if (setMode && entry.type() != EntryType.SYMLINK) {
      // chmod(2) follows links, but p is what this tree just made and never a symlink.
      Files.setAttribute(p, "unix:mode", entry.mode());
    }
    if (ownerLog == null && (entry.type() == EntryType.FILE || entry.type() == EntryType.DIR)) {
      setPrivilegedXattrs(entry);
    }
  }

  /**
   * {@code id} as the 32-bit {@code uid_t} Java passes to {@code lchown}: ids past 2^31-1 become
   * negative ints with the same bits. 2^32-1 is {@code (uid_t) -1}, which {@code lchown} takes as
   * "leave unchanged", and larger ids do not fit: both are refused rather than applied wrongly.
   */
  private static int linuxId(FileEntry entry, String what, long id) throws UnsafeEntryException {
    if (id < 0 || id > MAX_LINUX_ID) {
      throw UnsafeEntryException.entry(entry.path(), what + " " + id + " cannot be applied: the largest Linux id is " + MAX_LINUX_ID);
    }
    return (int) id;
  }

  /**
   * Makes a fifo or device node, which Java cannot, with {@code command(tmp)}. A command's
   * arguments go through the platform charset, so the node is made under an ASCII name in the
   * tree's root, given its times there ({@code touch}: Java sets times through an open(2), which
   * blocks on a fifo and acts on a device), then renamed to its name's exact bytes.
   */
  private void makeNode(FileEntry entry, Path p, Function<String, List<String>> command) throws IOException {
    replaceLeaf(entry.path(), p);
    Path tmp = root.resolve(".layerfs-node-" + UUID.randomUUID());
    try {
      exec(command.apply(tmp.toString()));
      exec(List.of("touch", "-h", "-d", "@" + entry.mtime(), "--", tmp.toString()));
      Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static boolean isRealDirectory(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW).isDirectory();
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  private static String octal(int mode) {
    return String.format("%04o", mode);
  }

  private static void exec(List<String> cmd) throws IOException {
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (proc.waitFor() != 0) {
        throw new IOException(String.join(" ", cmd) + ": " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", cmd) + ": interrupted", e);
    }
  }
}
