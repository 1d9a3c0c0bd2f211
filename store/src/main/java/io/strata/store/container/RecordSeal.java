package io.strata.store.container;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The checksum a container's {@code config.json} carries, so that damage which leaves the file
 * valid JSON (one bit of an id or a name flipped) is found at load instead of believed. It is the
 * object's last member, so the file stays one JSON object a person or {@code jq} reads as before,
 * and it is found in the bytes without trusting a parser:
 *
 * <pre>
 * sealed := body ",\n  \"checksum\" : \"crc32c:" hex8 "\"\n}\n"
 * body   := the record's pretty-printed JSON object less its closing "\n}"
 * hex8   := the CRC32C of body's bytes, 8 lower-case hex digits
 * </pre>
 */
final class RecordSeal {
  /** The member's name: a record without it was written before checksums existed. */
  static final String MEMBER = "checksum";

  private static final String CLOSE = "\n}";
  private static final String TAIL_FORMAT = ",\n  \"" + MEMBER + "\" : \"crc32c:%s\"\n}\n";
  private static final int TAIL_LENGTH = String.format(TAIL_FORMAT, "00000000").length();
  private static final Pattern TAIL =
      Pattern.compile(
          Pattern.quote(",\n  \"" + MEMBER + "\" : \"crc32c:") + "([0-9a-f]{8})\"\n}\n");

  private RecordSeal() {}

  /** {@code json} (a pretty-printed object, ending in {@code "\n}"}) with its checksum added. */
  static byte[] seal(byte[] json) {
    String text = new String(json, StandardCharsets.ISO_8859_1);
    if (!text.endsWith(CLOSE)) {
      throw new IllegalArgumentException("a container record must end with its object's \\n}");
    }
    byte[] body = Arrays.copyOf(json, json.length - CLOSE.length());
    byte[] tail = String.format(TAIL_FORMAT, crc(body)).getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(body, body.length + tail.length);
    System.arraycopy(tail, 0, out, body.length, tail.length);
    return out;
  }

  /**
   * Why {@code file}, a record that has a {@link #MEMBER}, fails its checksum, or null when it
   * holds.
   */
  static String problem(byte[] file) {
    if (file.length < TAIL_LENGTH) {
      return "its checksum is not its last member";
    }
    byte[] body = Arrays.copyOf(file, file.length - TAIL_LENGTH);
    String tail = new String(file, body.length, TAIL_LENGTH, StandardCharsets.ISO_8859_1);
    Matcher m = TAIL.matcher(tail);
    if (!m.matches()) {
      return "its checksum is not its last member";
    }
    String got = crc(body);
    if (!got.equals(m.group(1))) {
      return "its checksum crc32c:" + m.group(1) + " does not match its content's crc32c:" + got;
    }
    return null;
  }

  private static String crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return HexFormat.of().toHexDigits((int) c.getValue());
  }
}
