package org.layerfs.transforms.unpack;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.registry.RegistryConfig;
import org.layerfs.io.source.ResolvedImage;
import org.layerfs.transforms.layer.LayerCache;
import org.layerfs.transforms.merge.LayerMerger;

/**
 * What the steps of one unpack share: the image and how to reach its registry, the tree being
 * written (a temporary directory, renamed into place by the job), the work directory (owners),
 * the layer cache, the limits, and whether owners are applied.
 */
@AutoValue
public abstract class UnpackTarget {

  abstract ResolvedImage image();

  abstract RegistryConfig registry();

  abstract String rootfs();

  abstract String workDir();

  abstract String cacheDir();

  abstract UnpackLimits limits();

  abstract boolean applyOwners();

  public static UnpackTarget of(ResolvedImage image, RegistryConfig registry, Path rootfs, Path workDir, Path cacheDir,
      UnpackLimits limits, boolean applyOwners) {
    return new AutoValue_UnpackTarget(
        image, registry, rootfs.toString(), workDir.toString(), cacheDir.toString(), limits, applyOwners);
  }

  public Path ownersDir() {
    return Path.of(workDir(), "owners");
  }

  /**
   * The plan, made once per unpack from the layers' cached catalogs merged again (a merged view
   * does not say where each inode comes from, so unpack writes none); foreign layers contribute
   * nothing, as in the merged view.
   */
  UnpackPlan plan() throws IOException {
    LayerCache cache = new LayerCache(Path.of(cacheDir()));
    LayerMerger merger = new LayerMerger();
    List<Path> catalogs = image().manifest().layers().stream()
        .filter(l -> !MediaTypes.isNonDistributable(l.mediaType())).map(l -> cache.filesPath(l.digest())).toList();
    try (CatalogLoader loader = new CatalogLoader()) {
      // The next layer's catalog is parsed while this one is merged.
      CatalogLoader.Pending next = catalogs.isEmpty() ? null : loader.start(catalogs.get(0));
      for (int i = 0; i < catalogs.size(); i++) {
        CatalogLoader.Pending layer = next;
        next = i + 1 < catalogs.size() ? loader.start(catalogs.get(i + 1)) : null;
        merger.apply(layer.entries());
      }
    }
    List<String> layers = image().manifest().layers().stream().map(d -> d.digest().toString()).toList();
    return UnpackPlan.of(image().name(), merger, layers, limits());
  }

  /** A writer of the tree; rootless, its owners go to {@code owners/<step>.jsonl}, closed by the caller. */
  SafeTree tree(OwnersFile owners) throws IOException {
    Path root = Path.of(rootfs());
    return applyOwners()
        ? SafeTree.applyingOwners(root, limits().maxPathLength())
        : SafeTree.recordingOwners(root, limits().maxPathLength(), owners);
  }

  /** The owners file of one step, or null when owners are applied. */
  OwnersFile ownersFile(String step) throws IOException {
    return applyOwners() ? null : new OwnersFile(ownersDir().resolve(step + ".jsonl"));
  }
}
