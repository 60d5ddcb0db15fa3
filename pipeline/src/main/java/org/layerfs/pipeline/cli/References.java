package org.layerfs.pipeline.cli;

import com.google.common.collect.ImmutableList;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.ref.InvalidReferenceException;

/** Parses the references and platform a user typed, turning mistakes into usage errors. */
public final class References {
  private References() {}

  /** Parses each reference; local paths are made absolute so any worker can reopen them. */
  public static ImmutableList<ImageReference> parse(List<String> refs) throws UsageException {
    ImmutableList.Builder<ImageReference> out = ImmutableList.builder();
    for (String r : refs) {
      try {
        ImageReference ref = ImageReference.parse(r);
        if (ref.transport() != ImageReference.Transport.DOCKER) {
          ref = ImageReference.of(ref.transport(), Path.of(ref.location()).toAbsolutePath().normalize().toString(), ref.tag(), ref.digest());
        }
        out.add(ref);
      } catch (InvalidReferenceException e) {
        throw new UsageException(e.getMessage());
      }
    }
    return out.build();
  }

  public static Optional<Platform> platform(Optional<String> text) throws UsageException {
    try {
      return text.map(Platform::parse);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--platform: " + e.getMessage());
    }
  }

  /** The platforms of {@code --platform A[,B...]} (or a mirror config's {@code platforms}); none when not given. */
  public static ImmutableList<Platform> platforms(Optional<String> text) throws UsageException {
    if (text.isEmpty()) {
      return ImmutableList.of();
    }
    ImmutableList.Builder<Platform> platforms = ImmutableList.builder();
    for (String one : text.get().split(",", -1)) {
      platforms.add(platform(Optional.of(one.trim())).get());
    }
    return platforms.build();
  }
}
