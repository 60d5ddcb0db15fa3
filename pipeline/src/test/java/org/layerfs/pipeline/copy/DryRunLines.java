package org.layerfs.pipeline.copy;

import java.util.Set;
import java.util.TreeSet;

/**
 * The tag decisions a run printed, in one form for a dry run ({@code would remove: X}, {@code
 * would remove referrer: X}, {@code would keep: X: why}) and a real one ({@code pruned: X}, {@code
 * pruned referrer: X}, {@code kept: X: why}), so that a test
 * can say the dry run told what the real run then did.
 */
final class DryRunLines {
  private DryRunLines() {}

  static Set<String> decisions(String out) {
    Set<String> decisions = new TreeSet<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("would remove referrer: ") || line.startsWith("pruned referrer: ")) {
        decisions.add("remove referrer " + line.substring(line.indexOf(": ") + 2));
      } else if (line.startsWith("would remove: ") || line.startsWith("pruned: ")) {
        decisions.add("remove " + line.substring(line.indexOf(": ") + 2));
      } else if (line.startsWith("would keep: ") || line.startsWith("kept: ")) {
        decisions.add("keep " + line.substring(line.indexOf(": ") + 2));
      }
    }
    return decisions;
  }
}
