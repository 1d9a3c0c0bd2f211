package io.strata.store.transfer;

import io.strata.store.chunk.ChunkerParams;
import io.strata.store.compress.ChunkCodec;
import io.strata.store.digest.Digest;
import io.strata.store.engine.ChunkStore;
import io.strata.store.error.NotFoundException;
import io.strata.store.pack.RecordHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * The {@link ChunkRecords} of a list of chunks, read from the store one chunk at a time as the
 * stream is read (memory: one record), each sent as its pack record keeps it (no decoding, no
 * compressing again). The chunks are checked when the stream is made: each must be stored and one
 * of {@code allowed}, so a reader is refused at once rather than cut off half way.
 */
public final class ChunkRecordStream extends InputStream {
  private final ChunkStore store;
  private final List<ChunkPiece> wanted;
  private final int[] ids;
  private final byte[] stored = new byte[ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK)];
  private final Buffer record = new Buffer();
  private final ChunkRecords.Writer writer;
  private int next;
  private int pos;

  /** Exposes its array, so a record is handed out without a copy. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(ChunkCodec.maxEncodedLength(ChunkerParams.MAX_CHUNK) + 64);
    }

    byte[] array() {
      return buf;
    }
  }

  /**
   * Refused with {@link NotFoundException} naming {@code where} for a chunk the store lacks or that
   * is not in {@code allowed}. (A length that is not the chunk's is the reader's to refuse: the
   * record says the true one.)
   */
  public ChunkRecordStream(
      ChunkStore store, List<ChunkPiece> wanted, RoaringBitmap allowed, String where) {
    this.store = store;
    this.wanted = List.copyOf(wanted);
    this.writer = new ChunkRecords.Writer(record, store.compression());
    this.ids = new int[wanted.size()];
    for (int i = 0; i < ids.length; i++) {
      Digest d = wanted.get(i).digest();
      int id = store.readableIdOf(d);
      if (id < 0 || !allowed.contains(id)) {
        throw new NotFoundException(where + ": chunk " + d + " is not part of the layers named");
      }
      ids[i] = id;
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pos == record.size()) {
      if (next == ids.length) {
        return -1;
      }
      record.reset();
      pos = 0;
      RecordHeader h = store.readStored(ids[next], stored);
      writer.writeEncoded(wanted.get(next).digest(), h.codec(), stored, h.storedLen(), h.rawLen());
      writer.flush();
      next++;
    }
    int n = Math.min(len, record.size() - pos);
    System.arraycopy(record.array(), pos, b, off, n);
    pos += n;
    return n;
  }
}
