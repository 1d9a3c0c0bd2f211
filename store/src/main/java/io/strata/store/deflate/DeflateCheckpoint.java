package io.strata.store.deflate;

/**
 * Where a Go deflate stream (levels 4..9) can be taken up again on its own: the state of {@link
 * GoDeflater} just after it wrote the block ending at input byte {@code blockEnd}. At levels 4..9
 * every input position is entered into the hash chains, so the match finder's state there is
 * determined by the 32 KiB of input before {@code index} and can be rebuilt from them; what the
 * input cannot tell is recorded: the lazy match in hand ({@code byteAvailable}, {@code length},
 * {@code offset}), where the window starts (matches never reach before it), and the bit of the
 * output the next block starts at. So segments of one stream can be compressed side by side and
 * joined ({@link GoDeflater#resume}).
 *
 * @param blockEnd input position (from the start of the stream) the block before ends at
 * @param index input position the deflater goes on from: {@code blockEnd} or the byte after it
 * @param windowBase input position of the window's first byte
 * @param byteAvailable whether the byte before {@code index} waits to be emitted (lazy matching)
 * @param length the match found at {@code index - 1}, or 3 for none
 * @param offset that match's distance
 * @param bitPosition the output bit, from the start of the deflate stream, the next block starts at
 */
public record DeflateCheckpoint(
    long blockEnd,
    long index,
    long windowBase,
    boolean byteAvailable,
    int length,
    int offset,
    long bitPosition) {

  public DeflateCheckpoint {
    if (index < blockEnd
        || index > blockEnd + 1
        || windowBase > blockEnd
        || index - windowBase > 1 << 16
        || length < 3
        || length > 258
        || offset < 0
        || offset > 1 << 15
        || bitPosition < 0) {
      throw new IllegalArgumentException(
          "not a deflate checkpoint: block end "
              + blockEnd
              + ", index "
              + index
              + ", window "
              + windowBase
              + ", match "
              + length
              + "@"
              + offset);
    }
  }
}
