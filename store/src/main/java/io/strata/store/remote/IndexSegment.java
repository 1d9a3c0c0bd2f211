package io.strata.store.remote;

import io.strata.store.digest.Digest;
import io.strata.store.error.CorruptDataException;
import io.strata.store.pack.PackFormat;
import io.strata.store.pack.PackScanner;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The index of one pack in the bucket, published after the pack itself: what every store sharing
 * the bucket reads to learn of another's chunks without reading its packs.
 *
 * <pre>
 * segment := "STRSEG01" u32 packId u64 packLength u32 count
 *            (u32 chunkId u64 offset u32 storedLength u32 rawLength byte[32] sha256){count}
 *            u32 crc32c(everything before)
 * </pre>
 *
 * @param packId the pack it indexes
 * @param packLength the pack object's length
 * @param entries its records
 */
record IndexSegment(int packId, long packLength, List<Entry> entries) {
  private static final byte[] MAGIC =
      "STRSEG01".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int HEADER = 8 + 4 + 8 + 4;
  private static final int ENTRY_BYTES = 4 + 8 + 4 + 4 + Digest.LENGTH;

  /** One record of the pack. */
  record Entry(int chunkId, long offset, int storedLen, int rawLen, Digest digest) {}

  /** The segment of the sealed pack {@code id} at {@code path}, from its records. */
  static IndexSegment of(int id, Path path) throws IOException {
    List<Entry> entries = new ArrayList<>();
    PackScanner.Result r =
        PackScanner.scan(
            path,
            PackFormat.HEADER_SIZE,
            (h, offset, buf, off) -> {
              if (h.grouped()) {
                // A store sharing a bucket writes no groups; one written before it shared cannot
                // go.
                throw new CorruptDataException(
                    "pack "
                        + path.getFileName()
                        + " holds group records, which a shared store"
                        + " cannot publish",
                    path.toString());
              }
              entries.add(new Entry(h.chunkId(), offset, h.storedLen(), h.rawLen(), h.digest()));
            });
    if (!r.sealed() || !r.damaged().isEmpty()) {
      throw new CorruptDataException(
          "pack " + path.getFileName() + " is not sealed and intact; it cannot be published",
          path.toString());
    }
    return new IndexSegment(id, Files.size(path), List.copyOf(entries));
  }

  byte[] encode() {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(HEADER + entries.size() * ENTRY_BYTES + 4);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeInt(packId);
      out.writeLong(packLength);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        out.writeInt(e.chunkId());
        out.writeLong(e.offset());
        out.writeInt(e.storedLen());
        out.writeInt(e.rawLen());
        out.write(e.digest().bytes());
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Decodes the segment object {@code key}; throws naming it if it is damaged. */
  static IndexSegment decode(byte[] b, String key) {
    ByteBuffer in = ByteBuffer.wrap(b);
    if (b.length < HEADER + 4) {
      throw damaged(key, "too short");
    }
    byte[] magic = new byte[MAGIC.length];
    in.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw damaged(key, "not an index segment");
    }
    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(b, b.length - 4, 4).getInt()) {
      throw damaged(key, "checksum mismatch");
    }
    int packId = in.getInt();
    long packLength = in.getLong();
    int count = in.getInt();
    if (count < 0 || (long) count * ENTRY_BYTES != b.length - HEADER - 4) {
      throw damaged(key, "its entry count does not match its length");
    }
    List<Entry> entries = new ArrayList<>(count);
    byte[] digest = new byte[Digest.LENGTH];
    for (int i = 0; i < count; i++) {
      int id = in.getInt();
      long offset = in.getLong();
      int stored = in.getInt();
      int raw = in.getInt();
      in.get(digest);
      if (id < 0
          || offset < PackFormat.HEADER_SIZE
          || stored < 0
          || stored > raw
          || offset + PackFormat.recordLength(stored) > packLength) {
        throw damaged(key, "entry " + i + " lies outside its pack");
      }
      entries.add(new Entry(id, offset, stored, raw, Digest.of(digest)));
    }
    return new IndexSegment(packId, packLength, List.copyOf(entries));
  }

  private static CorruptDataException damaged(String key, String why) {
    return new CorruptDataException("index segment " + key + " is damaged: " + why, key);
  }
}
