package io.strata.store.image.layer;

import com.github.luben.zstd.ZstdOutputStream;
import io.strata.store.deflate.GoDeflater;
import io.strata.store.deflate.GoGzipOutputStream;
import io.strata.store.error.InvalidArgumentException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * How an export compresses the layers Strata made itself (built, committed, imported from a plain
 * tar or directory): gzip by default, as docker writes them, with Go's compressor at its default
 * level (so the bytes are those docker would write, and a push of them to a Strata registry is kept
 * as a recipe); zstd on request; or none.
 */
public enum LayerCodec {
  GZIP("gzip", "+gzip"),
  ZSTD("zstd", "+zstd"),
  NONE("none", "");

  /** zstd's level for layers: its default, deterministic for a given library version. */
  static final int ZSTD_LEVEL = 3;

  /** The OCI media type of an uncompressed layer; a compressed one adds its suffix. */
  public static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

  private final String name;
  private final String suffix;

  LayerCodec(String name, String suffix) {
    this.name = name;
    this.suffix = suffix;
  }

  /** {@code gzip}, {@code zstd} or {@code none}; null: gzip. */
  public static LayerCodec parse(String name) {
    if (name == null) {
      return GZIP;
    }
    for (LayerCodec c : values()) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    throw new InvalidArgumentException(
        "layer compression " + name + " is unknown (expected gzip, zstd or none)");
  }

  /** The OCI media type of a layer in this compression. */
  public String mediaType() {
    return LAYER_TAR + suffix;
  }

  /**
   * A stream compressing into {@code out}; closing it ends the compressed stream and {@code out}.
   */
  public OutputStream wrap(OutputStream out) throws IOException {
    return switch (this) {
      case GZIP ->
          new GoGzipOutputStream(
              out,
              GoDeflater.DEFAULT_COMPRESSION,
              GoGzipOutputStream.goHeader(GoDeflater.DEFAULT_COMPRESSION));
      case ZSTD -> new ZstdOutputStream(out, ZSTD_LEVEL);
      case NONE -> out;
    };
  }
}
