package org.layerfs.pipeline.unpack;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Marks a directory the top of a directory hierarchy for ext4's Orlov allocator ({@code chattr
 * +T}), so that each directory made in it is placed like one made at the file system's root: in
 * the block group with the fewest directories, from a start hashed from its name, rather than
 * beside its parent. An unpack makes its tree under such a directory, so the tree's inodes are
 * allocated away from those a removed tree freed moments before, which ext4 without a journal
 * skips one by one for a minute or more on every allocation ({@code recently_deleted}): 29 of the
 * 62 CPU s of unpacking 60 000 files right after removing the tree before (README, "Unpack, sixth
 * session"). A hint only: elsewhere (another file system, no {@code chattr}) nothing changes.
 */
final class TopOfHierarchy {
  private TopOfHierarchy() {}

  /** Sets the flag on {@code dir} when the file system has it; true when set. */
  static boolean mark(Path dir) {
    try {
      Process chattr = new ProcessBuilder("chattr", "+T", dir.toAbsolutePath().toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      return chattr.waitFor() == 0;
    } catch (IOException e) {
      return false; // no chattr: the tree goes where the file system puts it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
