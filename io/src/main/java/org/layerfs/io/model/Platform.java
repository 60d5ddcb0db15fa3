package org.layerfs.io.model;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import java.io.Serializable;
import java.util.Optional;

/** The platform an image runs on: {@code os/architecture[/variant]}. */
@AutoValue
@SerializableAutoValue
public abstract class Platform implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract String os();

  public abstract String architecture();

  public abstract Optional<String> variant();

  public static Platform of(String os, String architecture, Optional<String> variant) {
    return new AutoValue_Platform(os, architecture, variant.filter(v -> !v.isEmpty()));
  }

  /** Parses {@code os/arch[/variant]}, as given to {@code --platform}. */
  public static Platform parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new IllegalArgumentException("not a platform (want os/arch[/variant]): \"" + text + "\"");
    }
    return of(parts[0], parts[1], parts.length == 3 ? Optional.of(parts[2]) : Optional.empty());
  }

  /**
   * True when this platform, as asked for by a user, selects {@code other}. A request without a
   * variant selects every variant.
   */
  public boolean selects(Platform other) {
    return os().equals(other.os())
        && architecture().equals(other.architecture())
        && (variant().isEmpty() || variant().equals(other.variant()));
  }

  @Override
  public final String toString() {
    return os() + "/" + architecture() + variant().map(v -> "/" + v).orElse("");
  }
}
