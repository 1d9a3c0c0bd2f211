package io.strata.protocol.message;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A line of {@code image.build}'s log that tells how far a pull of one of the build's images is:
 * {@code Pulling REF: DONE of TOTAL bytes}. The server writes them as it pulls; the CLI draws them
 * as a progress bar (as {@code strata pull} draws its own) instead of printing them, and a client
 * that does not know them prints a readable line.
 *
 * @param ref the image being pulled, as the Dockerfile names it
 * @param done bytes fetched so far
 * @param total bytes to fetch
 */
public record PullProgressLine(String ref, long done, long total) {
  private static final Pattern LINE =
      Pattern.compile("Pulling (\\S+): (\\d{1,18}) of (\\d{1,18}) bytes");

  /** The line, without its newline. */
  public String text() {
    return String.format(Locale.ROOT, "Pulling %s: %d of %d bytes", ref, done, total);
  }

  /** The progress {@code line} (without its newline) tells, or null when it is another line. */
  public static PullProgressLine parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      return null;
    }
    return new PullProgressLine(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
  }
}
