package org.layerfs.transforms.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.Optional;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.merge.MergeStats;
import org.layerfs.transforms.tar.TarNames;

/** What became of one image in a job: its merged-view totals, or why it failed. */
@AutoValue
@SerializableAutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class ImageOutcome implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The image as the user would recognise it (reference, and platform when from an index). */
  public abstract String image();

  public abstract String reference();

  public abstract Optional<Digest> manifestDigest();

  public abstract Optional<String> platform();

  public abstract ImmutableList<Digest> layers();

  public abstract Optional<MergeStats> stats();

  /** How many of its layers were taken from the cache rather than decompressed. */
  public abstract int layersFromCache();

  public abstract Optional<String> error();

  /** The artifact type, for an OCI artifact (listed, never merged). */
  public abstract Optional<String> artifactType();

  public static ImageOutcome merged(ResolvedImage image, MergeStats stats, int layersFromCache) {
    return new AutoValue_ImageOutcome(
        image.name(), image.reference().toString(), Optional.of(image.manifestDigest()),
        Optional.of(image.platform().toString()), layers(image), Optional.of(stats), layersFromCache, Optional.empty(),
        Optional.empty());
  }

  /** An OCI artifact: listed with its type and layers, which are not read as tars. */
  public static ImageOutcome artifact(ResolvedImage image) {
    return new AutoValue_ImageOutcome(
        image.name(), image.reference().toString(), Optional.of(image.manifestDigest()),
        Optional.of(image.platform().toString()), layers(image), Optional.empty(), 0, Optional.empty(),
        Optional.of(image.manifest().artifactKind()));
  }

  public static ImageOutcome failed(ResolvedImage image, String error) {
    return new AutoValue_ImageOutcome(
        image.name(), image.reference().toString(), Optional.of(image.manifestDigest()),
        Optional.of(image.platform().toString()), layers(image), Optional.empty(), 0, Optional.of(TarNames.display(error)),
        Optional.empty());
  }

  /** A reference or image that failed before its manifest was known. */
  public static ImageOutcome failed(String image, String error) {
    return new AutoValue_ImageOutcome(
        image, image, Optional.empty(), Optional.empty(), ImmutableList.of(), Optional.empty(), 0, Optional.of(TarNames.display(error)),
        Optional.empty());
  }

  private static ImmutableList<Digest> layers(ResolvedImage image) {
    return image.manifest().layers().stream().map(d -> d.digest()).collect(ImmutableList.toImmutableList());
  }

  public boolean isFailed() {
    return error().isPresent();
  }

  /** The record of {@code images.jsonl}. */
  public ObjectNode toCatalogJson() {
    ObjectNode n = ImageJson.mapper().createObjectNode();
    n.put("ref", reference());
    manifestDigest().ifPresent(d -> n.put("digest", d.toString()));
    platform().ifPresent(p -> n.put("platform", p));
    artifactType().ifPresent(t -> n.put("artifact", true).put("artifactType", t));
    layers().forEach(l -> n.withArray("layers").add(l.toString()));
    stats().ifPresent(s -> {
      n.put("files", s.files());
      n.put("totalBytes", s.totalBytes());
      n.put("mergedBytes", s.mergedBytes());
      n.put("wastedBytes", s.wastedBytes());
      n.put("efficiency", s.efficiency());
    });
    return n;
  }

  /** The record of the run report. */
  public ObjectNode toReportJson() {
    ObjectNode n = toCatalogJson();
    n.put("image", image());
    n.put("status", isFailed() ? "failed" : "indexed");
    n.put("layersFromCache", layersFromCache());
    error().ifPresent(e -> n.put("error", e));
    return n;
  }
}
