package org.layerfs.transforms.layer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auto.value.AutoValue;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageJson;

/** What indexing one layer found: its digests, sizes and how many entries and file bytes it holds. */
@AutoValue
@DefaultCoder(SerializableCoder.class)
public abstract class LayerSummary implements Serializable {
  private static final long serialVersionUID = 1L;

  public abstract Digest digest();

  /** The sha256 of the uncompressed tar, as computed (not as any config claims). */
  public abstract Digest diffId();

  public abstract String mediaType();

  /** "gzip", "zstd" or "none", as detected from the stream. */
  public abstract String compression();

  /** Bytes of the blob as stored. */
  public abstract long size();

  /** Bytes of the uncompressed tar. */
  public abstract long uncompressedSize();

  /** Tar entries, whiteout markers included. */
  public abstract long entries();

  /** Bytes of regular-file content. */
  public abstract long fileBytes();

  public static LayerSummary of(
      Digest digest, Digest diffId, String mediaType, String compression, long size,
      long uncompressedSize, long entries, long fileBytes) {
    return new AutoValue_LayerSummary(
        digest, diffId, mediaType, compression, size, uncompressedSize, entries, fileBytes);
  }

  /** The JSON record of {@code layers.jsonl} and of the cache. */
  public ObjectNode toJson() {
    ObjectNode n = ImageJson.mapper().createObjectNode();
    n.put("digest", digest().toString());
    n.put("diffID", diffId().toString());
    n.put("mediaType", mediaType());
    n.put("compression", compression());
    n.put("size", size());
    n.put("uncompressedSize", uncompressedSize());
    n.put("entries", entries());
    n.put("fileBytes", fileBytes());
    return n;
  }

  public static LayerSummary fromJson(JsonNode n) {
    return of(
        Digest.parse(n.get("digest").asText()),
        Digest.parse(n.get("diffID").asText()),
        n.get("mediaType").asText(),
        n.get("compression").asText(),
        n.get("size").asLong(),
        n.get("uncompressedSize").asLong(),
        n.get("entries").asLong(),
        n.get("fileBytes").asLong());
  }
}
