package org.layerfs.io.source;

import com.google.auto.value.AutoValue;
import java.io.Serializable;

/** An image (or a whole reference) that could not be processed, and why. */
@AutoValue
public abstract class ImageFailure implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The image's name or the reference, as the user would recognise it. */
  public abstract String image();

  /** What was wrong, naming the layer or file where it applies. */
  public abstract String message();

  public static ImageFailure of(String image, String message) {
    return new AutoValue_ImageFailure(image, message);
  }
}
