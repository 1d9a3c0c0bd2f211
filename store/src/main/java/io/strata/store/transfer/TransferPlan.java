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
 * plan   := "STRPLAN2" cut:str name:str config:blob layers:u16 layer* crc32c:u32
 * layer  := diffId:32 size:u64 split:pieces files:u32 pieces{files}
 * pieces := n:u32 (digest:32 length:u32){n}
 * str    := n:u16 utf8{n}       blob := n:u32 byte{n}
 * </pre>
 *
 * The CRC32C covers every byte before it, so any flipped byte or burst of up to 32 bits is refused,
 * and a cut plan fails it or ends short. Version 1 had no checksum and is refused.
 *
 * @param cut how the files' chunks were cut
 * @param name the image's name (repository:tag) on the receiver, or "" for none
 * @param config the image config's bytes
 * @param layers the layers, bottom first
 */
public record TransferPlan(String cut, String name, byte[] config, List<Layer> layers) {
  private static final byte[] MAGIC = "STRPLAN2".getBytes(StandardCharsets.US_ASCII);

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

  public TransferPlan {
    config = config.clone();
    layers = List.copyOf(layers);
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
    return out;
  }

  /** The encoding above. */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
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
      out.flush();
      CRC32C crc = new CRC32C();
      bytes.writeTo(new CheckedOutputStream(OutputStream.nullOutputStream(), crc));
      out.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
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
    if (version != MAGIC[MAGIC_STEM]) {
      throw new InvalidArgumentException(
          version >= '0' && version <= '9'
              ? where
                  + ": a transfer plan of version "
                  + (char) version
                  + ", where this host reads version "
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
    return parse(new DataInputStream(new ByteArrayInputStream(all, 0, n - 4)), where);
  }

  private static TransferPlan parse(DataInputStream in, String where) throws IOException {
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
      if (in.read() >= 0) {
        throw new InvalidArgumentException(where + ": bytes follow the last layer");
      }
      return new TransferPlan(cut, name, config, layers);
    } catch (EOFException e) {
      throw new InvalidArgumentException(where + ": the plan is cut short");
    } catch (UTFDataFormatException e) {
      throw new InvalidArgumentException(where + ": a name in the plan is not valid UTF-8");
    }
  }
}
