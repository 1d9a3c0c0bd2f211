package io.strata.files.names;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Names as bytes: Strata keeps file names (and extended attribute names) as UTF-8, so a name that
 * arrives as bytes, a tar header's name or link target, a FUSE request's name, a name read from a
 * directory of this host, is taken only if its bytes are valid UTF-8. Decoding such a name with a
 * stand-in for the bad bytes ({@code ?} from commons-compress, U+FFFD from the JDK) made two names
 * one, so that one file was silently lost.
 */
public final class Utf8Names {
  private Utf8Names() {}

  /** What is wrong with a name that is not UTF-8, after {@code the name}. */
  public static final String NOT_UTF8 = "is not valid UTF-8 (Strata keeps file names as UTF-8)";

  /**
   * Whether {@code b[off, off + len)} is well-formed UTF-8 as RFC 3629 defines it: no stray or
   * missing continuation byte, no overlong form, no surrogate, nothing above U+10FFFF.
   */
  public static boolean isUtf8(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) { // the ASCII before it is UTF-8 whatever follows
        try {
          decoder().decode(ByteBuffer.wrap(b, i, off + len - i));
          return true;
        } catch (CharacterCodingException e) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether all of {@code b} is well-formed UTF-8. */
  public static boolean isUtf8(byte[] b) {
    return isUtf8(b, 0, b.length);
  }

  /**
   * {@code b[off, off + len)} for a one-line message: what is valid UTF-8 as its characters, every
   * other byte as {@code \xHH}; control characters, {@code "} and {@code \} escaped too.
   */
  public static String shown(byte[] b, int off, int len) {
    CharsetDecoder d = decoder();
    ByteBuffer in = ByteBuffer.wrap(b, off, len);
    CharBuffer out = CharBuffer.allocate(len);
    StringBuilder s = new StringBuilder(len + 8);
    while (true) {
      CoderResult r = d.decode(in, out, true);
      out.flip();
      while (out.hasRemaining()) {
        char c = out.get();
        if (c == '"' || c == '\\') {
          s.append('\\').append(c);
        } else if (c < 0x20 || c == 0x7f) {
          s.append(String.format("\\x%02x", (int) c));
        } else if (Character.isISOControl(c)) {
          s.append(String.format("\\u%04x", (int) c));
        } else {
          s.append(c);
        }
      }
      out.clear();
      if (!r.isError()) {
        break; // underflow: all of it decoded
      }
      for (int i = 0; i < r.length(); i++) {
        s.append(String.format("\\x%02x", in.get() & 0xff));
      }
    }
    return s.toString();
  }

  /** All of {@code b}, as {@link #shown(byte[], int, int)}. */
  public static String shown(byte[] b) {
    return shown(b, 0, b.length);
  }

  private static CharsetDecoder decoder() {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }
}
