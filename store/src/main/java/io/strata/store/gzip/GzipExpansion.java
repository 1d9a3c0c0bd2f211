package io.strata.store.gzip;

/**
 * How far a gzip stream's contents may outgrow it before Strata stops reading them: more than
 * {@code maxRatio} times the compressed bytes read so far, once past {@code floor} bytes. Real
 * layers compress 2 to 20 times, a gzip bomb of zeros about 1,000. The same bound holds image
 * layers ({@code ImportLimits}) and the contents of gzip blobs, which a {@code blob put} or a
 * registry push would otherwise inflate without end before storing (a 1 MiB gzip of 1 GiB of zeros
 * cost 9 s of the server's work, tester AQ).
 *
 * @param maxRatio contents per compressed byte, at most
 * @param floor contents below which any ratio passes
 */
public record GzipExpansion(long maxRatio, long floor) {
  /** {@code strata.import.maxRatio} (200) and {@code strata.import.ratioFloor} (256 MiB). */
  public static GzipExpansion fromSystemProperties() {
    return new GzipExpansion(
        Long.getLong("strata.import.maxRatio", 200L),
        Long.getLong("strata.import.ratioFloor", 256L << 20));
  }

  /** Whether {@code contents} bytes out of {@code compressed} ones are past the bound. */
  public boolean passed(long contents, long compressed) {
    return contents > floor && contents > maxRatio * Math.max(1, compressed);
  }
}
