package io.strata.store.deflate.klauspost;

import io.strata.store.deflate.DeflateTables;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * klauspost's {@code huffmanBitWriter}: besides stored, fixed and dynamic blocks, it may leave a
 * dynamic block open and let the next block's tokens reuse its tables (no end-of-block, no new
 * header) when its estimate says that is smaller; the estimate, its penalty and every tie are part
 * of the output, so each follows Go's code to the bit.
 */
final class HuffmanBitWriter {
  private static final int BAD_CODE = 255;
  private static final int MAX_PREDEFINED_TOKENS = 250;
  private static final int BUFFER_FLUSH_SIZE = 246;
  private static final int LITERAL_COUNT = 286;
  private static final int OFFSET_CODE_COUNT = 30;
  private static final int CODEGEN_CODE_COUNT = 19;
  private static final int MAX_STORE_BLOCK = 65535;
  private static final int[] OFFSET_COMBINED = new int[32];
  private static final HuffmanCode HUFF_OFFSET = new HuffmanCode(OFFSET_CODE_COUNT);

  static {
    for (int i = 0; i < OFFSET_CODE_COUNT; i++) {
      int extra = DeflateTables.offsetExtraBits(i);
      if (extra != 0) {
        OFFSET_COMBINED[i] = extra | DeflateTables.offsetBase(i) << 8;
      }
    }
    int[] freq = new int[OFFSET_CODE_COUNT];
    freq[0] = 1;
    HUFF_OFFSET.generate(freq, OFFSET_CODE_COUNT, 15);
  }

  private final OutputStream out;
  private long bits;
  private int nbits;
  private final byte[] bytes = new byte[256 + 8];
  private int nbytes;
  private boolean lastHuffMan;
  private HuffmanCode literalEncoding = new HuffmanCode(LITERAL_COUNT);
  private HuffmanCode tmpLitEncoding = new HuffmanCode(LITERAL_COUNT);
  private final HuffmanCode offsetEncoding = new HuffmanCode(OFFSET_CODE_COUNT);
  private final HuffmanCode codegenEncoding = new HuffmanCode(CODEGEN_CODE_COUNT);
  // bits of the open dynamic block's header: >0 while the next block may reuse its tables
  private int lastHeader;
  final int logNewTablePenalty;
  private final int[] literalFreq = new int[257 + 32];
  private final int[] offsetFreq = new int[32];
  private final int[] codegenFreq = new int[CODEGEN_CODE_COUNT];
  private final int[] codegen = new int[LITERAL_COUNT + OFFSET_CODE_COUNT + 1];

  HuffmanBitWriter(OutputStream out, int logNewTablePenalty) {
    this.out = out;
    this.logNewTablePenalty = logNewTablePenalty;
  }

  private boolean canReuse(Tokens t) {
    for (int i = 0; i < OFFSET_CODE_COUNT; i++) {
      if (t.offHist[i] != 0 && offsetEncoding.codes[i] == 0) {
        return false;
      }
    }
    for (int i = 0; i < LITERAL_COUNT - 256; i++) {
      if (t.extraHist[i] != 0 && literalEncoding.codes[256 + i] == 0) {
        return false;
      }
    }
    for (int i = 0; i < 256; i++) {
      if (t.litHist[i] != 0 && literalEncoding.codes[i] == 0) {
        return false;
      }
    }
    return true;
  }

  /** Ends an open block, pads the bits to a byte and hands everything on. */
  void flush() throws IOException {
    if (lastHeader > 0) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
    }
    int n = nbytes;
    while (nbits != 0) {
      bytes[n++] = (byte) bits;
      bits >>>= 8;
      nbits = nbits > 8 ? nbits - 8 : 0;
    }
    bits = 0;
    out.write(bytes, 0, n);
    nbytes = 0;
  }

  private void writeBits(int b, int nb) throws IOException {
    bits |= (long) b << nbits;
    nbits += nb;
    if (nbits >= 48) {
      writeOutBits();
    }
  }

  private void writeCode(int c) throws IOException {
    bits |= (long) (c >>> 8) << nbits;
    nbits += c & 0xff;
    if (nbits >= 48) {
      writeOutBits();
    }
  }

  private void writeOutBits() throws IOException {
    long b = bits;
    bits >>>= 48;
    nbits -= 48;
    int n = nbytes;
    for (int i = 0; i < 6; i++) {
      bytes[n + i] = (byte) (b >>> (8 * i));
    }
    n += 6;
    if (n >= BUFFER_FLUSH_SIZE) {
      out.write(bytes, 0, n);
      n = 0;
    }
    nbytes = n;
  }

  void writeBytes(byte[] b, int off, int len) throws IOException {
    if ((nbits & 7) != 0) {
      throw new IllegalStateException("writeBytes with unfinished bits");
    }
    int n = nbytes;
    while (nbits != 0) {
      bytes[n++] = (byte) bits;
      bits >>>= 8;
      nbits -= 8;
    }
    if (n != 0) {
      out.write(bytes, 0, n);
    }
    nbytes = 0;
    out.write(b, off, len);
  }

  private void generateCodegen(
      int numLiterals, int numOffsets, HuffmanCode litEnc, HuffmanCode offEnc) {
    Arrays.fill(codegenFreq, 0);
    for (int i = 0; i < numLiterals; i++) {
      codegen[i] = litEnc.codes[i] & 0xff;
    }
    for (int i = 0; i < numOffsets; i++) {
      codegen[numLiterals + i] = offEnc.codes[i] & 0xff;
    }
    codegen[numLiterals + numOffsets] = BAD_CODE;
    int size = codegen[0];
    int count = 1;
    int outIndex = 0;
    for (int inIndex = 1; size != BAD_CODE; inIndex++) {
      int nextSize = codegen[inIndex];
      if (nextSize == size) {
        count++;
        continue;
      }
      if (size != 0) {
        codegen[outIndex++] = size;
        codegenFreq[size]++;
        count--;
        while (count >= 3) {
          int n = Math.min(6, count);
          codegen[outIndex++] = 16;
          codegen[outIndex++] = n - 3;
          codegenFreq[16]++;
          count -= n;
        }
      } else {
        while (count >= 11) {
          int n = Math.min(138, count);
          codegen[outIndex++] = 18;
          codegen[outIndex++] = n - 11;
          codegenFreq[18]++;
          count -= n;
        }
        if (count >= 3) {
          codegen[outIndex++] = 17;
          codegen[outIndex++] = count - 3;
          codegenFreq[17]++;
          count = 0;
        }
      }
      count--;
      for (; count >= 0; count--) {
        codegen[outIndex++] = size;
        codegenFreq[size]++;
      }
      size = nextSize;
      count = 1;
    }
    codegen[outIndex] = BAD_CODE;
  }

  private int codegens() {
    int n = CODEGEN_CODE_COUNT;
    while (n > 4 && codegenFreq[DeflateTables.codegenOrder(n - 1)] == 0) {
      n--;
    }
    return n;
  }

  private int headerSize() {
    return 3
        + 5
        + 5
        + 4
        + 3 * codegens()
        + codegenEncoding.bitLength(codegenFreq, CODEGEN_CODE_COUNT)
        + codegenFreq[16] * 2
        + codegenFreq[17] * 3
        + codegenFreq[18] * 7;
  }

  private int dynamicReuseSize(HuffmanCode litEnc, HuffmanCode offEnc) {
    return litEnc.bitLength(literalFreq, LITERAL_COUNT)
        + offEnc.bitLength(offsetFreq, OFFSET_CODE_COUNT);
  }

  private int dynamicSize(HuffmanCode litEnc, HuffmanCode offEnc, int extraBits) {
    return headerSize()
        + litEnc.bitLength(literalFreq, LITERAL_COUNT)
        + offEnc.bitLength(offsetFreq, OFFSET_CODE_COUNT)
        + extraBits;
  }

  private int extraBitSize() {
    int total = 0;
    for (int i = 0; i < LITERAL_COUNT - 257; i++) {
      total += literalFreq[257 + i] * Tokens.lengthExtraBits(i);
    }
    for (int i = 0; i < OFFSET_CODE_COUNT; i++) {
      total += offsetFreq[i] * DeflateTables.offsetExtraBits(i);
    }
    return total;
  }

  private int fixedSize(int extraBits) {
    return 3
        + HuffmanCode.FIXED_LITERALS.bitLength(literalFreq, LITERAL_COUNT)
        + HuffmanCode.FIXED_OFFSETS.bitLength(offsetFreq, OFFSET_CODE_COUNT)
        + extraBits;
  }

  /** Stored size in bits of an input of {@code len} bytes, or -1 when it cannot be stored. */
  private static int storedSize(byte[] in, int len) {
    return in != null && len <= MAX_STORE_BLOCK ? (len + 5) * 8 : -1;
  }

  private void writeDynamicHeader(int numLiterals, int numOffsets, int numCodegens, boolean eof)
      throws IOException {
    writeBits(eof ? 5 : 4, 3);
    writeBits(numLiterals - 257, 5);
    writeBits(numOffsets - 1, 5);
    writeBits(numCodegens - 4, 4);
    for (int i = 0; i < numCodegens; i++) {
      writeBits(codegenEncoding.codes[DeflateTables.codegenOrder(i)] & 0xff, 3);
    }
    int i = 0;
    while (true) {
      int codeWord = codegen[i++];
      if (codeWord == BAD_CODE) {
        break;
      }
      writeCode(codegenEncoding.codes[codeWord]);
      switch (codeWord) {
        case 16 -> writeBits(codegen[i++], 2);
        case 17 -> writeBits(codegen[i++], 3);
        case 18 -> writeBits(codegen[i++], 7);
        default -> {}
      }
    }
  }

  void writeStoredHeader(int length, boolean eof) throws IOException {
    if (lastHeader > 0) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
    }
    // klauspost ends a stream with an empty fixed block where Go writes an empty stored one
    if (length == 0 && eof) {
      writeFixedHeader(true);
      writeBits(0, 7);
      flush();
      return;
    }
    writeBits(eof ? 1 : 0, 3);
    flush();
    writeBits(length, 16);
    writeBits(~length & 0xffff, 16);
  }

  private void writeFixedHeader(boolean eof) throws IOException {
    if (lastHeader > 0) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
    }
    writeBits(eof ? 3 : 2, 3);
  }

  /** klauspost's writeBlock: fixed, dynamic or stored, never left open (levels 7..9 only). */
  void writeBlock(Tokens tokens, boolean eof, byte[] input, int inOff, int inLen)
      throws IOException {
    tokens.addEob();
    if (lastHeader > 0) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
    }
    int[] counts = indexTokens(tokens, false);
    int numLiterals = counts[0];
    int numOffsets = counts[1];
    generate();
    int extraBits = 0;
    int storedSize = storedSize(input, inLen);
    boolean storable = storedSize >= 0;
    if (storable) {
      extraBits = extraBitSize();
    }
    HuffmanCode lit = HuffmanCode.FIXED_LITERALS;
    HuffmanCode off = HuffmanCode.FIXED_OFFSETS;
    int size = Integer.MAX_VALUE;
    if (tokens.n < MAX_PREDEFINED_TOKENS) {
      size = fixedSize(extraBits);
    }
    generateCodegen(numLiterals, numOffsets, literalEncoding, offsetEncoding);
    codegenEncoding.generate(codegenFreq, CODEGEN_CODE_COUNT, 7);
    int numCodegens = codegens();
    int dynamicSize = dynamicSize(literalEncoding, offsetEncoding, extraBits);
    if (dynamicSize < size) {
      size = dynamicSize;
      lit = literalEncoding;
      off = offsetEncoding;
    }
    if (storable && storedSize <= size) {
      writeStoredHeader(inLen, eof);
      writeBytes(input, inOff, inLen);
      return;
    }
    if (lit == HuffmanCode.FIXED_LITERALS) {
      writeFixedHeader(eof);
    } else {
      writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
    }
    writeTokens(tokens, lit.codes, off.codes);
  }

  /**
   * klauspost's writeBlockDynamic: a dynamic block that may stay open for the next one, or reuse
   * the open one's tables; fixed or stored when estimated smaller.
   */
  void writeBlockDynamic(
      Tokens tokens, boolean eof, byte[] input, int inOff, int inLen, boolean sync)
      throws IOException {
    sync = sync || eof;
    if (sync) {
      tokens.addEob();
    }
    if ((lastHuffMan || eof) && lastHeader > 0) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
      lastHuffMan = false;
    }
    if (lastHeader > 0 && !canReuse(tokens)) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
    }
    int[] counts = indexTokens(tokens, !sync);
    int numLiterals = counts[0];
    int numOffsets = counts[1];
    int extraBits = 0;
    int ssize = storedSize(input, inLen);
    boolean storable = ssize >= 0;
    if (storable || lastHeader > 0) {
      extraBits = extraBitSize();
    }
    int size = 0;
    if (lastHeader > 0) {
      int newSize = lastHeader + tokens.estimatedBits();
      newSize +=
          (literalEncoding.codes[DeflateTables.END_BLOCK] & 0xff) + (newSize >> logNewTablePenalty);
      int reuseSize = dynamicReuseSize(literalEncoding, offsetEncoding) + extraBits;
      if (newSize < reuseSize) {
        writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
        size = newSize;
        lastHeader = 0;
      } else {
        size = reuseSize;
      }
      if (tokens.n < MAX_PREDEFINED_TOKENS) {
        int preSize = fixedSize(extraBits) + 7;
        if (preSize < size) {
          if (storable && ssize <= size) {
            writeStoredHeader(inLen, eof);
            writeBytes(input, inOff, inLen);
            return;
          }
          writeFixedHeader(eof);
          if (!sync) {
            tokens.addEob();
          }
          writeTokens(tokens, HuffmanCode.FIXED_LITERALS.codes, HuffmanCode.FIXED_OFFSETS.codes);
          return;
        }
      }
      if (storable && ssize <= size) {
        writeStoredHeader(inLen, eof);
        writeBytes(input, inOff, inLen);
        return;
      }
    }
    if (lastHeader == 0) {
      literalFreq[DeflateTables.END_BLOCK] = 1;
      generate();
      generateCodegen(numLiterals, numOffsets, literalEncoding, offsetEncoding);
      codegenEncoding.generate(codegenFreq, CODEGEN_CODE_COUNT, 7);
      int numCodegens = codegens();
      size = dynamicSize(literalEncoding, offsetEncoding, extraBits);
      if (tokens.n < MAX_PREDEFINED_TOKENS) {
        int preSize = fixedSize(extraBits);
        if (preSize <= size) {
          if (storable && ssize <= preSize) {
            writeStoredHeader(inLen, eof);
            writeBytes(input, inOff, inLen);
            return;
          }
          writeFixedHeader(eof);
          if (!sync) {
            tokens.addEob();
          }
          writeTokens(tokens, HuffmanCode.FIXED_LITERALS.codes, HuffmanCode.FIXED_OFFSETS.codes);
          return;
        }
      }
      if (storable && ssize <= size) {
        writeStoredHeader(inLen, eof);
        writeBytes(input, inOff, inLen);
        return;
      }
      writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
      if (!sync) {
        lastHeader = headerSize();
      }
      lastHuffMan = false;
    }
    if (sync) {
      lastHeader = 0;
    }
    writeTokens(tokens, literalEncoding.codes, offsetEncoding.codes);
  }

  /** Copies the token histograms into the frequency tables; returns {numLiterals, numOffsets}. */
  private int[] indexTokens(Tokens t, boolean filled) {
    System.arraycopy(t.litHist, 0, literalFreq, 0, 256);
    System.arraycopy(t.extraHist, 0, literalFreq, 256, 32);
    System.arraycopy(t.offHist, 0, offsetFreq, 0, 32);
    if (t.n == 0) {
      return new int[] {0, 0};
    }
    if (filled) {
      return new int[] {LITERAL_COUNT, OFFSET_CODE_COUNT};
    }
    int numLiterals = literalFreq.length;
    while (literalFreq[numLiterals - 1] == 0) {
      numLiterals--;
    }
    int numOffsets = offsetFreq.length;
    while (numOffsets > 0 && offsetFreq[numOffsets - 1] == 0) {
      numOffsets--;
    }
    if (numOffsets == 0) {
      offsetFreq[0] = 1;
      numOffsets = 1;
    }
    return new int[] {numLiterals, numOffsets};
  }

  private void generate() {
    literalEncoding.generate(literalFreq, LITERAL_COUNT, 15);
    offsetEncoding.generate(offsetFreq, OFFSET_CODE_COUNT, 15);
  }

  private void writeTokens(Tokens t, int[] leCodes, int[] oeCodes) throws IOException {
    int n = t.n;
    if (n == 0) {
      return;
    }
    boolean deferEob = false;
    if (t.tokens[n - 1] == DeflateTables.END_BLOCK) {
      n--;
      deferEob = true;
    }
    int[] tokens = t.tokens;
    for (int i = 0; i < n; i++) {
      int tok = tokens[i];
      if (tok < 256) {
        writeCode(leCodes[tok]);
        continue;
      }
      int length = Tokens.xlength(tok);
      int lengthCode = DeflateTables.lengthCode(length);
      writeCode(leCodes[DeflateTables.LENGTH_CODES_START + lengthCode]);
      if (lengthCode >= 8) {
        writeBits(
            length - DeflateTables.lengthBase(lengthCode), Tokens.lengthExtraBits(lengthCode));
      }
      int offset = tok & Tokens.OFFSET_MASK;
      int offsetCode = (offset >>> 16) & 31;
      writeCode(oeCodes[offsetCode]);
      if (offsetCode >= 4) {
        int comb = OFFSET_COMBINED[offsetCode];
        writeBits((offset - (comb >>> 8)) & 0xffff, comb & 0xff);
      }
    }
    if (deferEob) {
      writeCode(leCodes[DeflateTables.END_BLOCK]);
    }
  }

  /** klauspost's writeBlockHuff: literals only, with its own guesses of when to store. */
  void writeBlockHuff(boolean eof, byte[] input, int inOff, int inLen, boolean sync)
      throws IOException {
    Arrays.fill(literalFreq, 0);
    if (!lastHuffMan) {
      Arrays.fill(offsetFreq, 0);
    }
    final int numLiterals = DeflateTables.END_BLOCK + 1;
    final int numOffsets = 1;
    final int guessHeaderSizeBits = 70 * 8;
    for (int i = inOff; i < inOff + inLen; i++) {
      literalFreq[input[i] & 0xff]++;
    }
    int ssize = storedSize(input, inLen);
    boolean storable = ssize >= 0;
    if (storable && inLen > 1024) {
      double abs = 0;
      double avg = (double) inLen / 256;
      double max = inLen * 2;
      for (int i = 0; i < 256; i++) {
        double diff = literalFreq[i] - avg;
        abs += diff * diff;
        if (abs > max) {
          break;
        }
      }
      if (abs < max) {
        writeStoredHeader(inLen, eof);
        writeBytes(input, inOff, inLen);
        return;
      }
    }
    literalFreq[DeflateTables.END_BLOCK] = 1;
    tmpLitEncoding.generate(literalFreq, numLiterals, 15);
    int estBits = tmpLitEncoding.canReuseBits(literalFreq, numLiterals);
    if (estBits < Integer.MAX_VALUE) {
      estBits += lastHeader;
      if (lastHeader == 0) {
        estBits += guessHeaderSizeBits;
      }
      estBits += estBits >> logNewTablePenalty;
    }
    if (storable && ssize <= estBits) {
      writeStoredHeader(inLen, eof);
      writeBytes(input, inOff, inLen);
      return;
    }
    if (lastHeader > 0) {
      int reuseSize = literalEncoding.canReuseBits(literalFreq, 256);
      if (estBits < reuseSize) {
        writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
        lastHeader = 0;
      }
    }
    if (lastHeader == 0) {
      HuffmanCode swap = literalEncoding;
      literalEncoding = tmpLitEncoding;
      tmpLitEncoding = swap;
      generateCodegen(numLiterals, numOffsets, literalEncoding, HUFF_OFFSET);
      codegenEncoding.generate(codegenFreq, CODEGEN_CODE_COUNT, 7);
      int numCodegens = codegens();
      writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
      lastHuffMan = true;
      lastHeader = headerSize();
    }
    int[] encoding = literalEncoding.codes;
    for (int i = inOff; i < inOff + inLen; i++) {
      writeCode(encoding[input[i] & 0xff]);
    }
    if (eof || sync) {
      writeCode(literalEncoding.codes[DeflateTables.END_BLOCK]);
      lastHeader = 0;
      lastHuffMan = false;
    }
  }
}
