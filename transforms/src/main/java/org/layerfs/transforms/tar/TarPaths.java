package org.layerfs.transforms.tar;

import java.util.ArrayDeque;
import java.util.Deque;

/** Normalises tar entry names: {@code ./a}, {@code /a} and {@code a/} are all {@code a}. */
public final class TarPaths {
  private TarPaths() {}

  /**
   * The normalised form of {@code name}: relative, no {@code .} or empty components, {@code ..}
   * resolved lexically and never above the root (as the kernel treats {@code /..}); "" for the
   * root itself.
   */
  public static String normalise(String name) {
    Deque<String> parts = new ArrayDeque<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }

  /** True when {@code name} has a {@code ..} component, so unpacking it as written would climb. */
  public static boolean climbs(String name) {
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        return true;
      }
    }
    return false;
  }
}
