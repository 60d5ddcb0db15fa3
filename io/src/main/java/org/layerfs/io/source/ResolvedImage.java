package org.layerfs.io.source;

import com.google.auto.value.AutoValue;
import com.google.auto.value.extension.serializable.SerializableAutoValue;
import java.io.Serializable;
import java.util.Optional;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.ImageConfig;
import org.layerfs.io.model.Manifest;
import org.layerfs.io.model.Platform;
import org.layerfs.io.ref.ImageReference;

/** One platform image found at a reference: its manifest, config and where its blobs live. */
@AutoValue
@SerializableAutoValue
public abstract class ResolvedImage implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The reference the user named (or, for an untagged layout entry, one by digest). */
  public abstract ImageReference reference();

  /** The store to reopen for this image's blobs: the reference without tag or digest. */
  public abstract ImageReference store();

  /** The descriptor of this image's manifest, as its referrer gave it. */
  public abstract Descriptor manifestDescriptor();

  public abstract Manifest manifest();

  /** Platform and diffIDs; an artifact's has no diffIDs, and the platform its index entry gives (else unknown). */
  public abstract ImageConfig config();

  /** The index this image was selected from, if any. */
  public abstract Optional<Digest> indexDigest();

  /**
   * The descriptor the reference's entry gave: this image's manifest, or the (outermost) index it
   * was selected from. Copies start here, so that an index is copied whole.
   */
  public abstract Descriptor root();

  public static ResolvedImage of(
      ImageReference reference,
      Descriptor manifestDescriptor,
      Manifest manifest,
      ImageConfig config,
      Optional<Digest> indexDigest,
      Descriptor root) {
    return new AutoValue_ResolvedImage(
        reference, reference.store(), manifestDescriptor, manifest, config, indexDigest, root);
  }

  public Digest manifestDigest() {
    return manifestDescriptor().digest();
  }

  /** True for an OCI artifact (Helm chart, SBOM, signature, ...): copied as it is, never read as layers. */
  public boolean isArtifact() {
    return manifest().isArtifact();
  }

  public Platform platform() {
    return config().platform();
  }

  /** How this image is named in messages and catalogs: the reference, and the platform when from an index. */
  public String name() {
    return reference() + (indexDigest().isPresent() ? " [" + platform() + "]" : "");
  }
}
