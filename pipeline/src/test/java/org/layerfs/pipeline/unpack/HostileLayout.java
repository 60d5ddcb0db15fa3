package org.layerfs.pipeline.unpack;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes a one-image OCI layout whose uncompressed layers are the tars given (bottom first), for tests. */
final class HostileLayout {
  private HostileLayout() {}

  static Path write(Path dir, String tag, byte[]... layers) throws IOException {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    List<String> diffIds = new ArrayList<>();
    List<String> descriptors = new ArrayList<>();
    for (byte[] layer : layers) {
      String digest = blob(blobs, layer);
      diffIds.add("\"" + digest + "\"");
      descriptors.add("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + digest + "\",\"size\":"
          + layer.length + "}");
    }
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
        + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
    String configDigest = blob(blobs, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
        + "\",\"size\":" + config.length + "},\"layers\":[" + String.join(",", descriptors) + "]}").getBytes(StandardCharsets.UTF_8);
    String manifestDigest = blob(blobs, manifest);
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length
        + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
    return dir;
  }

  private static String blob(Path blobs, byte[] bytes) throws IOException {
    String hex = Hashing.sha256().hashBytes(bytes).toString();
    Files.write(blobs.resolve(hex), bytes);
    return "sha256:" + hex;
  }
}
