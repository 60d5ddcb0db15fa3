package org.layerfs.pipeline.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.ImageFormatException;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ImageFailure;
import org.layerfs.io.source.ImageSource;
import org.layerfs.io.source.ImageSources;
import org.layerfs.io.source.Resolution;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.pipeline.run.Sizes;

/** {@code layerfs inspect}: an image's manifests, platforms, layers and config, without a pipeline. */
public final class Inspect {
  private Inspect() {}

  /** Prints what {@code ref} holds; returns the exit status (1 when some image failed). */
  public static int run(
      ImageReference ref, Optional<Platform> platform, RegistryConfig registry, boolean json, PrintStream out, PrintStream err)
      throws IOException {
    ArrayNode all = ImageJson.mapper().createArrayNode();
    Resolution resolution;
    try (ImageSource source = ImageSources.open(ref.store(), registry)) {
      resolution = source.resolve(ref, platform);
      for (ResolvedImage image : resolution.images()) {
        ObjectNode n = describe(image, configContent(source, image));
        if (json) {
          all.add(n);
        } else {
          printText(image, out);
        }
      }
    }
    if (json) {
      out.println(ImageJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
    }
    for (ImageFailure f : resolution.failures()) {
      err.println("failed: " + f.image() + ": " + f.message());
    }
    return resolution.failures().isEmpty() ? 0 : 1;
  }

  /**
   * The config document; for an artifact, only when it is a JSON object (a Helm chart's is, an
   * arbitrary blob need not be).
   */
  private static Optional<JsonNode> configContent(ImageSource source, ResolvedImage image) throws IOException {
    String what = "config of " + image.name();
    byte[] bytes = source.readBlob(image.manifest().config());
    if (!image.isArtifact()) {
      return Optional.of(ImageJson.tree(bytes, what));
    }
    try {
      return Optional.of(ImageJson.tree(bytes, what));
    } catch (ImageFormatException e) {
      return Optional.empty();
    }
  }

  private static ObjectNode describe(ResolvedImage image, Optional<JsonNode> config) {
    ObjectNode n = ImageJson.mapper().createObjectNode();
    n.put("ref", image.reference().toString());
    n.put("digest", image.manifestDigest().toString());
    n.put("mediaType", image.manifest().mediaType());
    if (image.isArtifact()) {
      n.put("artifact", true);
      n.put("artifactType", image.manifest().artifactKind());
    }
    image.manifest().subject().ifPresent(s -> n.put("subject", s.digest().toString()));
    n.put("platform", image.platform().toString());
    image.indexDigest().ifPresent(d -> n.put("index", d.toString()));
    n.set("config", descriptor(image.manifest().config()));
    ArrayNode layers = n.putArray("layers");
    for (int i = 0; i < image.manifest().layers().size(); i++) {
      ObjectNode l = descriptor(image.manifest().layers().get(i));
      if (!image.isArtifact()) {
        l.put("diffID", image.config().diffIds().get(i).toString());
      }
      layers.add(l);
    }
    config.ifPresent(c -> n.set("configContent", c));
    return n;
  }

  private static ObjectNode descriptor(Descriptor d) {
    ObjectNode n = ImageJson.mapper().createObjectNode();
    n.put("mediaType", d.mediaType());
    n.put("digest", d.digest().toString());
    n.put("size", d.size());
    if (d.isNonDistributable()) {
      n.put("foreign", true);
    }
    return n;
  }

  private static void printText(ResolvedImage image, PrintStream out) {
    out.println(image.name());
    out.println("  manifest  " + image.manifestDigest() + "  " + image.manifest().mediaType());
    image.indexDigest().ifPresent(d -> out.println("  index     " + d));
    if (image.isArtifact()) {
      out.println("  artifact  " + image.manifest().artifactKind());
    }
    image.manifest().subject().ifPresent(s -> out.println("  subject   " + s.digest()));
    out.println("  platform  " + image.platform());
    Descriptor c = image.manifest().config();
    out.println("  config    " + c.digest() + "  " + Sizes.human(c.size()));
    long total = image.manifest().layers().stream().mapToLong(Descriptor::size).sum();
    out.println("  layers    " + image.manifest().layers().size() + ", " + Sizes.human(total));
    int i = 1;
    for (Descriptor l : image.manifest().layers()) {
      out.printf("    %2d  %s  %10s  %s%s%n", i++, l.digest(), Sizes.human(l.size()), l.mediaType(), l.isNonDistributable() ? "  (foreign: not fetched)" : "");
    }
  }
}
