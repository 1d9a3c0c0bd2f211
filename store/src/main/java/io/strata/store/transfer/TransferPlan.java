package io.strata.store.transfer;

import io.strata.store.digest.Digest;
import io.strata.store.error.InvalidArgumentException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * What a sender offers for one image: its config (kept byte for byte, as the image id is its
 * digest), the name it goes by, and each layer, bottom first, as the chunks of its tar-split and of
 * each file the split names, cut the receiver's way ({@link ContentCut}). A receiver that holds
 * those chunks can rebuild every layer tar byte for byte, and checks each against its diff_id.
 *
 * <p>Binary encoding (big-endian), also in docs/PROTOCOL.md:
 *
 * <pre>
 * plan     := "STRPLAN3" cut:str name:str config:blob layers:u16 layer* arrived crc32c:u32
 * layer    := diffId:32 size:u64 split:pieces files:u32 pieces{files}
 * arrived  := 0:u8 | 1:u8 manifest:blob type:str blobs:u16 layerBlob{blobs}
 * layerBlob := digest:str mediaType:str size:u64 form:str recipe:blob whole:pieces
 * pieces   := n:u32 (digest:32 length:u32){n}
 * str      := n:u16 utf8{n}       blob := n:u32 byte{n}
 * </pre>
 *
 * The CRC32C covers every byte before it, so any flipped byte or burst of up to 32 bits is refused,
 * and a cut plan fails it or ends short. A plan without a manifest is written as version 2 (the
 * same bytes without {@code arrived}), which releases before version 3 read; version 1 had no
 * checksum and is refused.
 *
 * @param cut how the files' chunks were cut
 * @param name the image's name (repository:tag) on the receiver, or "" for none
 * @param config the image config's bytes
 * @param layers the layers, bottom first
 * @param arrived the manifest the image arrived with and how each layer blob comes back, so that
 *     the receiver exports the same blobs and manifest (the same digests); null for an image that
 *     arrived with none (built, committed, imported from a directory)
 */
public record TransferPlan(
    String cut, String name, byte[] config, List<Layer> layers, Arrived arrived) {
  private static final byte[] MAGIC = "STRPLAN3".getBytes(StandardCharsets.US_ASCII);

  /** The version written for a plan without a manifest, which earlier releases read. */
  private static final byte VERSION_2 = '2';

  /** The magic without its version digit. */
  private static final int MAGIC_STEM = MAGIC.length - 1;

  /**
   * The largest encoding read: the most chunks (36 bytes each) and the largest config, with room to
   * spare for layers and names.
   */
  private static final int MAX_BYTES = 64 << 20;

  /** The most chunks a plan may list (32 MiB of chunk lists): some 55 GB of layers. */
  public static final int MAX_CHUNKS = 900_000;

  private static final int MAX_CONFIG = 8 << 20;
  private static final int MAX_LAYERS = 4096;

  /** The largest manifest, as a registry's limit. */
  private static final int MAX_MANIFEST = 4 << 20;

  /** The largest recipe of a layer blob (a gzip recipe grows with the blob's deflate blocks). */
  private static final int MAX_RECIPE = 16 << 20;

  /**
   * One layer.
   *
   * @param diffId the sha256 of its uncompressed tar
   * @param size bytes of that tar
   * @param split the chunks of its tar-split
   * @param files each file's chunks, in the split's order of file records
   */
  public record Layer(
      Digest diffId, long size, List<ChunkPiece> split, List<List<ChunkPiece>> files) {
    public Layer {
      split = List.copyOf(split);
      files = List.copyOf(files);
    }
  }

  /**
   * The manifest an image arrived with (pulled, loaded from an OCI layout, pushed to the registry)
   * and how each of its layer blobs comes back from the layer: what lets the receiver give the
   * image back as it arrived, not as Strata would compress it.
   *
   * @param manifest the manifest, byte for byte
   * @param type its media type
   * @param blobs each layer's blob, bottom first
   */
  public record Arrived(byte[] manifest, String type, List<LayerBlob> blobs) {
    public Arrived {
      manifest = manifest.clone();
      blobs = List.copyOf(blobs);
    }

    @Override
    public byte[] manifest() {
      return manifest.clone();
    }
  }

  /**
   * One layer blob as the manifest names it, and how it comes back (the forms of {@code
   * io.strata.store.image.layer.LayerBlob}).
   *
   * @param digest its digest, {@code sha256:...}
   * @param mediaType its media type in the manifest
   * @param size its length
   * @param form {@code tar}, {@code gzip}, {@code zstd} or {@code blob}
   * @param recipe for {@code gzip} and {@code zstd}, the recipe's text that compresses the layer's
   *     tar into the blob; else empty
   * @param whole for {@code blob} (kept whole: no recipe reproduces it), the chunks of its bytes,
   *     cut the receiver's way; else empty
   */
  public record LayerBlob(
      String digest,
      String mediaType,
      long size,
      String form,
      String recipe,
      List<ChunkPiece> whole) {
    public LayerBlob {
      whole = List.copyOf(whole);
    }
  }

  /** A plan of an image without a manifest. */
  public TransferPlan(String cut, String name, byte[] config, List<Layer> layers) {
    this(cut, name, config, layers, null);
  }

  public TransferPlan {
    config = config.clone();
    layers = List.copyOf(layers);
  }

  /** This plan under {@code other}'s name ("" for none). */
  public TransferPlan named(String other) {
    return new TransferPlan(cut, other, config, layers, arrived);
  }

  @Override
  public byte[] config() {
    return config.clone();
  }

  /** Every distinct chunk of the plan with its length, in first-use order. */
  public Map<Digest, Integer> chunks() {
    Map<Digest, Integer> out = new LinkedHashMap<>();
    for (Layer l : layers) {
      l.split.forEach(p -> out.putIfAbsent(p.digest(), p.length()));
      l.files.forEach(f -> f.forEach(p -> out.putIfAbsent(p.digest(), p.length())));
    }
    if (arrived != null) {
      for (LayerBlob b : arrived.blobs) {
        b.whole.forEach(p -> out.putIfAbsent(p.digest(), p.length()));
      }
    }
    return out;
  }

  /** The encoding above. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC, 0, MAGIC_STEM);
      out.write(arrived == null ? VERSION_2 : MAGIC[MAGIC_STEM]);
      out.writeUTF(cut);
      out.writeUTF(name);
      out.writeInt(config.length);
      out.write(config);
      out.writeShort(layers.size());
      for (Layer l : layers) {
        out.write(l.diffId.bytes());
        out.writeLong(l.size);
        ChunkLists.write(out, l.split);
        out.writeInt(l.files.size());
        for (List<ChunkPiece> f : l.files) {
          ChunkLists.write(out, f);
        }
      }
      if (arrived != null) {
        writeArrived(out, arrived);
      }
      out.flush();
      CRC32C crc = new CRC32C();
      bytes.writeTo(new CheckedOutputStream(OutputStream.nullOutputStream(), crc));
      out.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeArrived(DataOutputStream out, Arrived a) throws IOException {
    out.writeByte(1);
    out.writeInt(a.manifest.length);
    out.write(a.manifest);
    out.writeUTF(a.type);
    out.writeShort(a.blobs.size());
    for (LayerBlob b : a.blobs) {
      out.writeUTF(b.digest);
      out.writeUTF(b.mediaType);
      out.writeLong(b.size);
      out.writeUTF(b.form);
      byte[] recipe = b.recipe.getBytes(StandardCharsets.UTF_8);
      out.writeInt(recipe.length);
      out.write(recipe);
      ChunkLists.write(out, b.whole);
    }
  }

  /** The id of the image the plan carries: the SHA-256 of its config. */
  public Digest imageId() {
    return Digest.sha256(config, 0, config.length);
  }

  /** The plan's id: the SHA-256 of its encoding. */
  public Digest id() {
    byte[] b = encode();
    return Digest.sha256(b, 0, b.length);
  }

  /**
   * Reads a plan from untrusted bytes, the whole of {@code raw}; throws {@link
   * InvalidArgumentException} naming {@code where} and what is wrong, whatever the damage. The
   * checksum is checked before anything else is read from the plan.
   */
  public static TransferPlan decode(InputStream raw, String where) throws IOException {
    byte[] all = raw.readNBytes(MAX_BYTES + 1);
    if (all.length > MAX_BYTES) {
      throw new InvalidArgumentException(where + ": a plan of more than " + MAX_BYTES + " bytes");
    }
    int n = all.length;
    if (!Arrays.equals(all, 0, Math.min(n, MAGIC_STEM), MAGIC, 0, Math.min(n, MAGIC_STEM))) {
      throw new InvalidArgumentException(where + ": not a transfer plan (bad magic)");
    }
    if (n < MAGIC.length + 4) {
      throw new InvalidArgumentException(where + ": the plan is cut short at " + n + " bytes");
    }
    byte version = all[MAGIC_STEM];
    if (version != MAGIC[MAGIC_STEM] && version != VERSION_2) {
      throw new InvalidArgumentException(
          version >= '0' && version <= '9'
              ? where
                  + ": a transfer plan of version "
                  + (char) version
                  + ", where this host reads versions "
                  + (char) VERSION_2
                  + " and "
                  + (char) MAGIC[MAGIC_STEM]
              : where + ": not a transfer plan (bad magic)");
    }
    CRC32C crc = new CRC32C();
    crc.update(all, 0, n - 4);
    int stored = ByteBuffer.wrap(all, n - 4, 4).getInt();
    if ((int) crc.getValue() != stored) {
      throw new InvalidArgumentException(
          String.format(
              "%s: the plan's %d bytes fail their checksum (crc32c %08x, the plan says %08x):"
                  + " damaged or cut short",
              where, n, (int) crc.getValue(), stored));
    }
    return parse(
        new DataInputStream(new ByteArrayInputStream(all, 0, n - 4)), version != VERSION_2, where);
  }

  private static TransferPlan parse(DataInputStream in, boolean withArrived, String where)
      throws IOException {
    try {
      in.skipNBytes(MAGIC.length);
      String cut = in.readUTF();
      try {
        ContentCut.parse(cut);
      } catch (InvalidArgumentException e) {
        throw new InvalidArgumentException(where + ": " + e.getMessage());
      }
      String name = in.readUTF();
      int configLength = in.readInt();
      if (configLength < 0 || configLength > MAX_CONFIG) {
        throw new InvalidArgumentException(where + ": config of " + configLength + " bytes");
      }
      byte[] config = in.readNBytes(configLength);
      if (config.length != configLength) {
        throw new EOFException();
      }
      int count = in.readUnsignedShort();
      if (count > MAX_LAYERS) {
        throw new InvalidArgumentException(where + ": " + count + " layers");
      }
      List<Layer> layers = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] d = in.readNBytes(Digest.LENGTH);
        if (d.length != Digest.LENGTH) {
          throw new EOFException();
        }
        long size = in.readLong();
        List<ChunkPiece> split = ChunkLists.read(in, where);
        int files = in.readInt();
        if (files < 0) {
          throw new InvalidArgumentException(where + ": layer " + i + " has " + files + " files");
        }
        List<List<ChunkPiece>> fileList = new ArrayList<>();
        for (int f = 0; f < files; f++) {
          fileList.add(ChunkLists.read(in, where));
        }
        layers.add(new Layer(Digest.of(d), size, split, fileList));
      }
      Arrived arrived = withArrived ? readArrived(in, count, where) : null;
      if (in.read() >= 0) {
        throw new InvalidArgumentException(where + ": bytes follow the last layer");
      }
      return new TransferPlan(cut, name, config, layers, arrived);
    } catch (EOFException e) {
      throw new InvalidArgumentException(where + ": the plan is cut short");
    } catch (UTFDataFormatException e) {
      throw new InvalidArgumentException(where + ": a name in the plan is not valid UTF-8");
    }
  }

  /** {@code arrived}, of a plan of {@code layers} layers; null when the plan says it has none. */
  private static Arrived readArrived(DataInputStream in, int layers, String where)
      throws IOException {
    int has = in.readUnsignedByte();
    if (has == 0) {
      return null;
    }
    if (has != 1) {
      throw new InvalidArgumentException(where + ": bad manifest marker " + has);
    }
    byte[] manifest = bytes(in, MAX_MANIFEST, "manifest", where);
    String type = in.readUTF();
    int count = in.readUnsignedShort();
    if (count != layers) {
      throw new InvalidArgumentException(
          where + ": the manifest's " + count + " layer blobs for " + layers + " layers");
    }
    List<LayerBlob> blobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String digest = in.readUTF();
      String mediaType = in.readUTF();
      long size = in.readLong();
      if (size < 0) {
        throw new InvalidArgumentException(where + ": layer blob " + digest + " of " + size);
      }
      String form = in.readUTF();
      String recipe = new String(bytes(in, MAX_RECIPE, "recipe", where), StandardCharsets.UTF_8);
      blobs.add(new LayerBlob(digest, mediaType, size, form, recipe, ChunkLists.read(in, where)));
    }
    return new Arrived(manifest, type, blobs);
  }

  private static byte[] bytes(DataInputStream in, int max, String what, String where)
      throws IOException {
    int n = in.readInt();
    if (n < 0 || n > max) {
      throw new InvalidArgumentException(where + ": a " + what + " of " + n + " bytes");
    }
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException();
    }
    return b;
  }
}
