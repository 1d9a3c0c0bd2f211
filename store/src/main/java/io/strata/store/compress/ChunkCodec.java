package io.strata.store.compress;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import io.strata.store.error.CorruptDataException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Compresses and decompresses single chunks. Safe for concurrent use: zstd contexts are kept per
 * thread (and level), so no chunk pays for allocating one. Decompression of stored bytes always
 * uses the bounds-checked decoders, since a damaged pack is untrusted input.
 */
public final class ChunkCodec {
  /**
   * lz4-java, loaded at the first lz4 chunk: its native library is unpacked into a temporary file
   * of each process that loads it (and left there when the process is killed), so a store that
   * never uses lz4 (the default is zstd) must not load it.
   */
  private static final class Lz4 {
    static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
    static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    static final LZ4SafeDecompressor DECODER = FACTORY.safeDecompressor();
  }

  /** LZ4_compressBound of lz4.h: what lz4 may make of {@code len} bytes, at most. */
  private static int lz4Bound(int len) {
    return len + len / 255 + 16;
  }

  private static final ThreadLocal<ZstdDecompressCtx> ZSTD_DECODER =
      ThreadLocal.withInitial(ZstdDecompressCtx::new);
  // Kept apart from the plain decoder: a context keeps the dictionary it was last given.
  private static final ThreadLocal<ZstdDecompressCtx> ZSTD_DICT_DECODER =
      ThreadLocal.withInitial(ZstdDecompressCtx::new);

  /**
   * What {@link #encode} wrote: the codec actually used, the stored length and the dictionary it
   * needs (0: none).
   */
  public record Encoded(Codec codec, int length, int dictId) {
    public Encoded(Codec codec, int length) {
      this(codec, length, 0);
    }
  }

  /** A thread's context for one dictionary at one level. */
  private static final class DictContext {
    final ZstdCompressCtx ctx = new ZstdCompressCtx();
    ZstdDictCompress dict;
  }

  private static final ThreadLocal<DictContext> ZSTD_DICT_ENCODER =
      ThreadLocal.withInitial(DictContext::new);

  // A thread's zstd compression contexts, by level. Shared by every codec and store, so a store
  // opened anew, or a second codec at the same level, does not allocate and warm up another one.
  private static final ThreadLocal<ZstdCompressCtx[]> ZSTD_ENCODERS =
      ThreadLocal.withInitial(() -> new ZstdCompressCtx[20]);

  private final Compression compression;
  private final Dictionaries dictionaries;

  public ChunkCodec(Compression compression) {
    this(compression, null);
  }

  /**
   * A codec that compresses zstd chunks with the current dictionary of {@code dictionaries} when
   * there is one (null: never).
   */
  public ChunkCodec(Compression compression, Dictionaries dictionaries) {
    this.compression = compression;
    this.dictionaries = dictionaries;
  }

  private ZstdCompressCtx zstd() {
    ZstdCompressCtx[] byLevel = ZSTD_ENCODERS.get();
    int level = compression.level();
    ZstdCompressCtx ctx = byLevel[level];
    if (ctx == null) {
      ctx = new ZstdCompressCtx();
      ctx.setLevel(level);
      byLevel[level] = ctx;
    }
    return ctx;
  }

  /** The compression new chunks are written with. */
  public Compression compression() {
    return compression;
  }

  /** Room {@link #encode} may need in {@code dst} for a chunk of {@code len} bytes. */
  public static int maxEncodedLength(int len) {
    return (int) Math.max(Zstd.compressBound(len), lz4Bound(len));
  }

  /**
   * Compresses {@code len} bytes of {@code src} into {@code dst} at {@code dstOff}, which must have
   * {@link #maxEncodedLength} bytes of room. A chunk that does not shrink is copied raw and
   * reported as {@link Codec#NONE}, so incompressible data costs nothing to read back.
   */
  public Encoded encode(byte[] src, int off, int len, byte[] dst, int dstOff) {
    return encode(src, off, len, dst, dstOff, true);
  }

  /**
   * {@link #encode(byte[], int, int, byte[], int)}; {@code sample} false keeps the bytes from the
   * dictionary's trainer (a group of chunks, whose caller offers the chunks one by one: the trainer
   * learns from samples of a chunk's size).
   */
  public Encoded encode(byte[] src, int off, int len, byte[] dst, int dstOff, boolean sample) {
    if (dictionaries != null && compression.codec() == Codec.ZSTD) {
      int dictId = dictionaries.currentId();
      ZstdDictCompress dict = dictId == 0 ? null : dictionaries.currentEncoder(compression.level());
      if (dict != null) {
        DictContext c = ZSTD_DICT_ENCODER.get();
        if (c.dict != dict) {
          c.ctx.loadDict(dict);
          c.dict = dict;
        }
        int n = c.ctx.compressByteArray(dst, dstOff, dst.length - dstOff, src, off, len);
        if (n >= len) {
          System.arraycopy(src, off, dst, dstOff, len);
          return new Encoded(Codec.NONE, len);
        }
        return new Encoded(Codec.ZSTD_DICT, n, dictId);
      }
    }
    int n =
        switch (compression.codec()) {
          case NONE -> len;
          case LZ4 -> Lz4.COMPRESSOR.compress(src, off, len, dst, dstOff, dst.length - dstOff);
          case ZSTD -> zstd().compressByteArray(dst, dstOff, dst.length - dstOff, src, off, len);
          case ZSTD_DICT -> throw new IllegalStateException("zstd-dict is not a store's choice");
        };
    if (compression.codec() == Codec.NONE || n >= len) {
      System.arraycopy(src, off, dst, dstOff, len);
      return new Encoded(Codec.NONE, len);
    }
    if (sample && dictionaries != null && compression.codec() == Codec.ZSTD) {
      // Only what compresses teaches a dictionary anything: random or already compressed bytes
      // would take its room, and a dictionary holding a store's own random bytes would make them
      // "compress".
      dictionaries.offer(src, off, len);
    }
    return new Encoded(compression.codec(), n);
  }

  /**
   * Decompresses a stored chunk into exactly {@code rawLen} bytes at {@code dstOff} of {@code dst}.
   * Throws {@link CorruptDataException} naming {@code where} if the bytes do not decode to that
   * length.
   */
  public static void decode(
      Codec codec, byte[] src, int off, int len, byte[] dst, int dstOff, int rawLen, String where) {
    decode(codec, 0, null, src, off, len, dst, dstOff, rawLen, where);
  }

  /**
   * {@link #decode(Codec, byte[], int, int, byte[], int, int, String)} of a record that may need
   * dictionary {@code dictId} of {@code dictionaries}; a dictionary damaged or missing throws
   * {@link CorruptDataException} naming its file.
   */
  public static void decode(
      Codec codec,
      int dictId,
      Dictionaries dictionaries,
      byte[] src,
      int off,
      int len,
      byte[] dst,
      int dstOff,
      int rawLen,
      String where) {
    try {
      int n =
          switch (codec) {
            case NONE -> {
              if (len != rawLen) {
                yield len;
              }
              System.arraycopy(src, off, dst, dstOff, len);
              yield len;
            }
            case LZ4 -> Lz4.DECODER.decompress(src, off, len, dst, dstOff, rawLen);
            case ZSTD -> ZSTD_DECODER.get().decompressByteArray(dst, dstOff, rawLen, src, off, len);
            case ZSTD_DICT -> {
              if (dictionaries == null) {
                throw new CorruptDataException(
                    where + ": needs dictionary " + dictId + ", which is not given here", where);
              }
              ZstdDictDecompress dict;
              try {
                dict = dictionaries.decoder(dictId);
              } catch (CorruptDataException e) {
                throw new CorruptDataException(where + ": " + e.getMessage(), e.resource(), e);
              }
              ZstdDecompressCtx ctx = ZSTD_DICT_DECODER.get();
              ctx.loadDict(dict);
              yield ctx.decompressByteArray(dst, dstOff, rawLen, src, off, len);
            }
          };
      if (n != rawLen) {
        throw new CorruptDataException(
            where + ": decoded " + n + " bytes, expected " + rawLen, where);
      }
    } catch (LZ4Exception | com.github.luben.zstd.ZstdException e) {
      throw new CorruptDataException(where + ": " + codec + " data does not decode", where, e);
    }
  }
}
