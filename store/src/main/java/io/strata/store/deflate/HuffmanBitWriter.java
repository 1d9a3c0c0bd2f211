package io.strata.store.deflate;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes deflate blocks, choosing between stored, fixed-Huffman and dynamic-Huffman encodings with
 * the same size estimates and the same tie-breaking as Go's {@code huffmanBitWriter}; the choice is
 * part of the output, so it must match to the bit.
 */
final class HuffmanBitWriter {
  private static final int BAD_CODE = 255;
  private static final HuffmanEncoder FIXED_LITERALS = HuffmanEncoder.fixedLiterals();
  private static final HuffmanEncoder FIXED_OFFSETS = HuffmanEncoder.fixedOffsets();

  /** The distance code Go uses for a literal-only block: one symbol (distance code 0). */
  private static final HuffmanEncoder HUFF_OFFSET = new HuffmanEncoder(30);

  static {
    int[] freq = new int[DeflateTables.OFFSET_CODE_COUNT];
    freq[0] = 1;
    HUFF_OFFSET.generate(freq, 15);
  }

  private final OutputStream out;
  private final byte[] buf = new byte[8192];
  private int nbytes;
  private long bits;
  private int nbits;
  // bytes handed on or buffered
  private long bytesOut;

  private final int[] literalFreq = new int[DeflateTables.MAX_NUM_LIT];
  private final int[] offsetFreq = new int[DeflateTables.OFFSET_CODE_COUNT];
  private final int[] codegenFreq = new int[DeflateTables.CODEGEN_CODE_COUNT];
  private final int[] codegen =
      new int[DeflateTables.MAX_NUM_LIT + DeflateTables.OFFSET_CODE_COUNT + 1];
  private final HuffmanEncoder literalEncoding = new HuffmanEncoder(DeflateTables.MAX_NUM_LIT);
  private final HuffmanEncoder offsetEncoding = new HuffmanEncoder(DeflateTables.OFFSET_CODE_COUNT);
  private final HuffmanEncoder codegenEncoding =
      new HuffmanEncoder(DeflateTables.CODEGEN_CODE_COUNT);

  HuffmanBitWriter(OutputStream out) {
    this.out = out;
  }

  /**
   * Starts this writer {@code bit} bits (0..7) into a byte, for a segment of a stream regenerated
   * on its own ({@link GoDeflater#resume}): those bits of the first byte are written as zeros, for
   * the caller to fill from the segment before.
   */
  void startAtBit(int bit) {
    if (bit < 0 || bit > 7 || bytesOut != 0 || nbits != 0) {
      throw new IllegalStateException("a segment starts at bit 0..7 of an unwritten writer");
    }
    nbits = bit;
  }

  /**
   * Bits written so far, counting from the start of the stream (of a segment's first byte when it
   * {@link #startAtBit started inside one}).
   */
  long bitPosition() {
    return bytesOut * 8 + nbits;
  }

  private void writeBits(int value, int n) throws IOException {
    bits |= (value & 0xffffffffL) << nbits;
    nbits += n;
    while (nbits >= 8) {
      putByte((int) bits);
      bits >>>= 8;
      nbits -= 8;
    }
  }

  private void putByte(int b) throws IOException {
    if (nbytes == buf.length) {
      out.write(buf, 0, nbytes);
      nbytes = 0;
    }
    buf[nbytes++] = (byte) b;
    bytesOut++;
  }

  /** Pads the pending bits to a byte with zeros and hands everything to the stream. */
  void flush() throws IOException {
    if (nbits > 0) {
      putByte((int) bits);
    }
    bits = 0;
    nbits = 0;
    out.write(buf, 0, nbytes);
    nbytes = 0;
  }

  private void writeRaw(byte[] b, int off, int len) throws IOException {
    if (nbits != 0) {
      throw new IllegalStateException("stored bytes with unfinished bits");
    }
    out.write(buf, 0, nbytes);
    nbytes = 0;
    out.write(b, off, len);
    bytesOut += len;
  }

  void writeStoredHeader(int length, boolean eof) throws IOException {
    writeBits(eof ? 1 : 0, 3);
    if (nbits > 0) {
      putByte((int) bits);
      bits = 0;
      nbits = 0;
    }
    writeBits(length, 16);
    writeBits(~length & 0xffff, 16);
  }

  void writeStored(byte[] b, int off, int len) throws IOException {
    writeStoredHeader(len, false);
    writeRaw(b, off, len);
  }

  private void writeFixedHeader(boolean eof) throws IOException {
    writeBits(eof ? 3 : 2, 3);
  }

  /**
   * A block of tokens: fixed, dynamic or (when {@code input} is given and smaller) stored. Go's
   * {@code writeBlock}, used by levels 2..9.
   */
  void writeBlock(int[] tokens, int ntokens, boolean eof, byte[] input, int inOff, int inLen)
      throws IOException {
    int[] counts = indexTokens(tokens, ntokens);
    int numLiterals = counts[0];
    int numOffsets = counts[1];
    int extraBits = 0;
    boolean storable = input != null && inLen <= 65535;
    int storedSize = storable ? (inLen + 5) * 8 : 0;
    if (storable) {
      for (int lc = DeflateTables.LENGTH_CODES_START + 8; lc < numLiterals; lc++) {
        extraBits +=
            literalFreq[lc]
                * DeflateTables.LENGTH_EXTRA_BITS[lc - DeflateTables.LENGTH_CODES_START];
      }
      for (int oc = 4; oc < numOffsets; oc++) {
        extraBits += offsetFreq[oc] * DeflateTables.OFFSET_EXTRA_BITS[oc];
      }
    }
    HuffmanEncoder lit = FIXED_LITERALS;
    HuffmanEncoder off = FIXED_OFFSETS;
    int size =
        3 + FIXED_LITERALS.bitLength(literalFreq) + FIXED_OFFSETS.bitLength(offsetFreq) + extraBits;
    generateCodegen(numLiterals, numOffsets, literalEncoding, offsetEncoding);
    codegenEncoding.generate(codegenFreq, 7);
    int numCodegens = numCodegens();
    int dynamicSize = dynamicSize(literalEncoding, offsetEncoding, extraBits, numCodegens);
    if (dynamicSize < size) {
      size = dynamicSize;
      lit = literalEncoding;
      off = offsetEncoding;
    }
    if (storable && storedSize < size) {
      writeStoredHeader(inLen, eof);
      writeRaw(input, inOff, inLen);
      return;
    }
    if (lit == FIXED_LITERALS) {
      writeFixedHeader(eof);
    } else {
      writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
    }
    writeTokens(tokens, ntokens, lit, off);
  }

  /** A dynamic block, or stored when clearly smaller: Go's {@code writeBlockDynamic} (level 1). */
  void writeBlockDynamic(int[] tokens, int ntokens, byte[] input, int inLen) throws IOException {
    int[] counts = indexTokens(tokens, ntokens);
    int numLiterals = counts[0];
    int numOffsets = counts[1];
    generateCodegen(numLiterals, numOffsets, literalEncoding, offsetEncoding);
    codegenEncoding.generate(codegenFreq, 7);
    int numCodegens = numCodegens();
    int size = dynamicSize(literalEncoding, offsetEncoding, 0, numCodegens);
    if (inLen <= 65535 && (inLen + 5) * 8 < size + (size >> 4)) {
      writeStoredHeader(inLen, false);
      writeRaw(input, 0, inLen);
      return;
    }
    writeDynamicHeader(numLiterals, numOffsets, numCodegens, false);
    writeTokens(tokens, ntokens, literalEncoding, offsetEncoding);
  }

  /** Literals only, Huffman-coded, or stored when clearly smaller: Go's {@code writeBlockHuff}. */
  void writeBlockHuff(byte[] input, int inLen) throws IOException {
    java.util.Arrays.fill(literalFreq, 0);
    for (int i = 0; i < inLen; i++) {
      literalFreq[input[i] & 0xff]++;
    }
    literalFreq[DeflateTables.END_BLOCK] = 1;
    int numLiterals = DeflateTables.END_BLOCK + 1;
    offsetFreq[0] = 1;
    int numOffsets = 1;
    literalEncoding.generate(literalFreq, 15);
    generateCodegen(numLiterals, numOffsets, literalEncoding, HUFF_OFFSET);
    codegenEncoding.generate(codegenFreq, 7);
    int numCodegens = numCodegens();
    int size = dynamicSize(literalEncoding, HUFF_OFFSET, 0, numCodegens);
    if (inLen <= 65535 && (inLen + 5) * 8 < size + (size >> 4)) {
      writeStoredHeader(inLen, false);
      writeRaw(input, 0, inLen);
      return;
    }
    writeDynamicHeader(numLiterals, numOffsets, numCodegens, false);
    for (int i = 0; i < inLen; i++) {
      int s = input[i] & 0xff;
      writeBits(literalEncoding.codes[s], literalEncoding.lens[s]);
    }
    writeBits(
        literalEncoding.codes[DeflateTables.END_BLOCK],
        literalEncoding.lens[DeflateTables.END_BLOCK]);
  }

  /** Counts symbol frequencies (the end-of-block marker included) and builds both codes. */
  private int[] indexTokens(int[] tokens, int ntokens) {
    java.util.Arrays.fill(literalFreq, 0);
    java.util.Arrays.fill(offsetFreq, 0);
    for (int i = 0; i < ntokens; i++) {
      int t = tokens[i];
      if (t < Tokens.MATCH_TYPE) {
        literalFreq[t]++;
        continue;
      }
      literalFreq[DeflateTables.LENGTH_CODES_START + DeflateTables.lengthCode(Tokens.xlength(t))]++;
      offsetFreq[DeflateTables.offsetCode(Tokens.xoffset(t))]++;
    }
    literalFreq[DeflateTables.END_BLOCK]++;
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
    literalEncoding.generate(literalFreq, 15);
    offsetEncoding.generate(offsetFreq, 15);
    return new int[] {numLiterals, numOffsets};
  }

  /** The run-length coded code lengths of a dynamic header, and their frequencies. */
  private void generateCodegen(
      int numLiterals, int numOffsets, HuffmanEncoder litEnc, HuffmanEncoder offEnc) {
    java.util.Arrays.fill(codegenFreq, 0);
    for (int i = 0; i < numLiterals; i++) {
      codegen[i] = litEnc.lens[i];
    }
    for (int i = 0; i < numOffsets; i++) {
      codegen[numLiterals + i] = offEnc.lens[i];
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

  private int numCodegens() {
    int n = codegenFreq.length;
    while (n > 4 && codegenFreq[DeflateTables.CODEGEN_ORDER[n - 1]] == 0) {
      n--;
    }
    return n;
  }

  private int dynamicSize(
      HuffmanEncoder litEnc, HuffmanEncoder offEnc, int extraBits, int numCodegens) {
    int header =
        3
            + 5
            + 5
            + 4
            + 3 * numCodegens
            + codegenEncoding.bitLength(codegenFreq)
            + codegenFreq[16] * 2
            + codegenFreq[17] * 3
            + codegenFreq[18] * 7;
    return header + litEnc.bitLength(literalFreq) + offEnc.bitLength(offsetFreq) + extraBits;
  }

  private void writeDynamicHeader(int numLiterals, int numOffsets, int numCodegens, boolean eof)
      throws IOException {
    writeBits(eof ? 5 : 4, 3);
    writeBits(numLiterals - 257, 5);
    writeBits(numOffsets - 1, 5);
    writeBits(numCodegens - 4, 4);
    for (int i = 0; i < numCodegens; i++) {
      writeBits(codegenEncoding.lens[DeflateTables.CODEGEN_ORDER[i]], 3);
    }
    int i = 0;
    while (true) {
      int codeWord = codegen[i++];
      if (codeWord == BAD_CODE) {
        break;
      }
      writeBits(codegenEncoding.codes[codeWord], codegenEncoding.lens[codeWord]);
      switch (codeWord) {
        case 16 -> writeBits(codegen[i++], 2);
        case 17 -> writeBits(codegen[i++], 3);
        case 18 -> writeBits(codegen[i++], 7);
        default -> {}
      }
    }
  }

  private void writeTokens(int[] tokens, int ntokens, HuffmanEncoder lit, HuffmanEncoder off)
      throws IOException {
    for (int i = 0; i < ntokens; i++) {
      int t = tokens[i];
      if (t < Tokens.MATCH_TYPE) {
        writeBits(lit.codes[t], lit.lens[t]);
        continue;
      }
      int xlength = Tokens.xlength(t);
      int lc = DeflateTables.lengthCode(xlength);
      int sym = lc + DeflateTables.LENGTH_CODES_START;
      writeBits(lit.codes[sym], lit.lens[sym]);
      int extra = DeflateTables.LENGTH_EXTRA_BITS[lc];
      if (extra > 0) {
        writeBits(xlength - DeflateTables.LENGTH_BASE[lc], extra);
      }
      int xoffset = Tokens.xoffset(t);
      int oc = DeflateTables.offsetCode(xoffset);
      writeBits(off.codes[oc], off.lens[oc]);
      extra = DeflateTables.OFFSET_EXTRA_BITS[oc];
      if (extra > 0) {
        writeBits(xoffset - DeflateTables.OFFSET_BASE[oc], extra);
      }
    }
    writeBits(lit.codes[DeflateTables.END_BLOCK], lit.lens[DeflateTables.END_BLOCK]);
  }
}
