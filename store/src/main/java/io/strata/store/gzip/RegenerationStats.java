package io.strata.store.gzip;

import java.util.Map;
import java.util.TreeMap;

/**
 * How often gzip blobs could be kept as recipes since the server started, per compressor family as
 * the gzip header tells it (its OS byte: Go and klauspost write 255, gzip and zlib on Unix 3; and
 * klauspost's zero modification time, which sets its blobs apart from Go's), so the figures show
 * which tools' blobs are still stored whole.
 */
public final class RegenerationStats {
  /** Blobs of one family: seen, and reproduced by a recipe. */
  public record Family(long seen, long reproduced) {}

  /**
   * Blobs whose header has klauspost's zero time (klauspost's gzip, and pgzip as containers/image
   * writes layers: skopeo, podman, buildah).
   */
  public static final String KLAUSPOST_FAMILY = "os 255, mtime 0x886e0900 (klauspost, pgzip)";

  private final Map<String, long[]> families = new TreeMap<>();

  /** A blob stored as a recipe. */
  public synchronized void reproduced(GzipRecipe r) {
    long[] c = families.computeIfAbsent(origin(r.header()), k -> new long[2]);
    c[0]++;
    c[1]++;
  }

  /** A gzip blob stored whole: no known compressor reproduced it. */
  public synchronized void keptWhole(byte[] header) {
    families.computeIfAbsent(origin(header), k -> new long[2])[0]++;
  }

  /** Per family, sorted by name. */
  public synchronized Map<String, Family> snapshot() {
    Map<String, Family> out = new TreeMap<>();
    families.forEach((k, v) -> out.put(k, new Family(v[0], v[1])));
    return out;
  }

  /** What the header says of the tool that wrote it. */
  static String origin(byte[] header) {
    int os = header[9] & 0xff;
    if (os == 255 && GzipRecipes.klauspostSignature(header)) {
      return KLAUSPOST_FAMILY;
    }
    return switch (os) {
      case 255 -> "os 255 (Go, klauspost, Java)";
      case 3 -> "os 3 (Unix gzip, zlib)";
      default -> "os " + os;
    };
  }
}
