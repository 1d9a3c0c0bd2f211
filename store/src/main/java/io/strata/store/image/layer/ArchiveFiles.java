package io.strata.store.image.layer;

import io.strata.store.fs.FileSystemView;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The files at the root of an image archive's tar, which a root file system does not have. */
final class ArchiveFiles {
  private ArchiveFiles() {}

  /** The most of a root {@code manifest.json} read to tell a docker archive's. */
  private static final int MANIFEST_LOOK = 64 << 10;

  /**
   * Whether the tree {@code fs} holds at its root an image archive's index: a {@code docker save}
   * archive's {@code manifest.json} (a JSON array of images with their {@code Config} and {@code
   * Layers}), or an OCI layout's {@code oci-layout} with its {@code index.json}.
   */
  static boolean at(FileSystemView fs) throws IOException {
    if (fs.exists("/oci-layout") && fs.exists("/index.json")) {
      return true;
    }
    if (!fs.exists("/manifest.json")) {
      return false;
    }
    try (InputStream in = fs.open("/manifest.json")) {
      String head = new String(in.readNBytes(MANIFEST_LOOK), StandardCharsets.UTF_8).strip();
      return head.startsWith("[") && head.contains("\"Config\"") && head.contains("\"Layers\"");
    }
  }
}
