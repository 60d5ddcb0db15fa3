package org.layerfs.transforms.unpack;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.transforms.merge.LayerMerger;
import org.layerfs.transforms.tar.FileEntry;
import org.layerfs.transforms.tar.TarScanner;

/**
 * Unpacks an image made of in-memory tar layers the way the unpack job does, without a pipeline:
 * index each layer, merge, plan, create the directories, write the layers (top layer first, to
 * show that their order does not matter), then hardlinks and directory metadata.
 */
final class Unpacking {
  static final String IMAGE = "test-image";

  private final List<byte[]> layers = new ArrayList<>();
  private UnpackLimits limits = UnpackLimits.defaults();

  /** Adds an uncompressed tar layer on top. */
  Unpacking layer(byte[] tar) {
    layers.add(tar);
    return this;
  }

  Unpacking limits(UnpackLimits limits) {
    this.limits = limits;
    return this;
  }

  static Descriptor descriptor(byte[] tar) {
    return Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(tar), tar.length);
  }

  /** The digest string of layer {@code i}, as errors name it. */
  String digest(int i) {
    return descriptor(layers.get(i)).digest().toString();
  }

  /** Unpacks into {@code tree}; returns what was skipped. */
  List<String> into(SafeTree tree) throws IOException {
    LayerMerger merger = new LayerMerger();
    List<String> digests = new ArrayList<>();
    for (byte[] tar : layers) {
      String digest = descriptor(tar).digest().toString();
      List<FileEntry> entries = new ArrayList<>();
      new TarScanner().scan(new ByteArrayInputStream(tar), digest, entries::add);
      merger.apply(entries);
      digests.add(digest);
    }
    UnpackPlan plan = UnpackPlan.of(IMAGE, merger, digests, limits);
    plan.createDirectories(tree);
    LayerWriter writer = new LayerWriter(limits);
    for (int i = layers.size() - 1; i >= 0; i--) {
      byte[] tar = layers.get(i);
      writer.write(IMAGE, new ByteArrayInputStream(tar), descriptor(tar), plan.entriesOf(digests.get(i)), tree);
    }
    plan.finish(tree);
    return tree.notices();
  }

  /** Unpacks into {@code root} as root would (owners applied, devices made). */
  List<String> into(Path root) throws IOException {
    return into(SafeTree.applyingOwners(root, limits.maxPathLength()));
  }
}
