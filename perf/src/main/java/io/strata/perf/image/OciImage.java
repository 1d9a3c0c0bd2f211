package io.strata.perf.image;

import io.strata.perf.ingest.DataSet;
import java.nio.file.Path;

/**
 * A directory tree packed as a one-layer OCI image layout.
 *
 * @param tree the tree it holds, as unpacked (the source tree without device nodes, FIFOs, sockets)
 * @param layout the layout directory (its {@code index.json} tags the image {@code tree.name()})
 * @param layerBlob the layer's blob in the layout (a gzip-compressed tar)
 * @param layerBytes the blob's size
 */
public record OciImage(DataSet tree, Path layout, Path layerBlob, long layerBytes) {
  /** What {@code ImageStore.importPath} takes: {@code layout:tag}. */
  public String reference() {
    return layout + ":" + tree.name();
  }
}
