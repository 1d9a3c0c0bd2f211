package io.strata.store.fs;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Strata keeps file names as UTF-8 ({@link FsKeys} and {@link Inode} store them so): a name that
 * arrives as bytes, a tar header's name or link target or a name read from a directory of this
 * host, is taken only if its bytes are valid UTF-8, and is refused otherwise. Decoding such a name
 * with a stand-in for the bad bytes ({@code ?} from commons-compress, U+FFFD from the JDK) made two
 * names one, so that one file was silently lost.
 *
 * <p>A {@link Path} of this host keeps the bytes the kernel gave it, and {@code toString()} decodes
 * them with {@code sun.jnu.encoding} (the locale's charset when the JVM started; {@code
 * bin/stratad} gives it a UTF-8 one), each malformed byte becoming U+FFFD. A host name is taken if
 * its string, encoded again, gives back the name's own bytes ({@code UnixPath.equals} compares
 * bytes): a U+FFFD that stands for a bad byte encodes to {@code EF BF BD} and differs, while a real
 * U+FFFD in a name, which is valid UTF-8, comes back equal. An ASCII string is taken without that
 * round trip. Under another charset than UTF-8 nothing but ASCII can be checked (or named back):
 * such a name is refused saying so.
 *
 * <p>The client has a copy of the host-name check ({@code io.strata.client.tar.HostNames}), as it
 * depends on nothing of the store.
 */
public final class FileNames {
  private FileNames() {}

  /** What is wrong with a name that is not UTF-8, after {@code the name}. */
  public static final String NOT_UTF8 = "is not valid UTF-8 (Strata keeps file names as UTF-8)";

  /** The charset this JVM decodes and encodes host file names with. */
  private static final String HOST_CHARSET = System.getProperty("sun.jnu.encoding", "UTF-8");

  private static final boolean HOST_UTF8 =
      HOST_CHARSET.equalsIgnoreCase("UTF-8") || HOST_CHARSET.equalsIgnoreCase("UTF8");

  /**
   * Whether {@code b[off, off + len)} is well-formed UTF-8 as RFC 3629 defines it: no stray or
   * missing continuation byte, no overlong form, no surrogate, nothing above U+10FFFF.
   */
  public static boolean isUtf8(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] < 0) {
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

  /**
   * Null if every name of host path {@code p} (one name as a directory listing gives it, or a
   * symlink's target) is valid UTF-8 and read whole by this JVM; else what is wrong, after {@code
   * the name} ({@link #NOT_UTF8}, or that this JVM does not read names as UTF-8).
   */
  public static String problem(Path p) {
    for (Path name : p) {
      String s = name.toString();
      if (ascii(s)) {
        continue;
      }
      if (!HOST_UTF8) {
        return "is not ASCII, and this server reads file names as "
            + HOST_CHARSET
            + ", not UTF-8 (start it with a UTF-8 locale, e.g. LC_ALL=C.UTF-8, as bin/stratad"
            + " does)";
      }
      if (!name.getFileSystem().getPath(s).equals(name)) {
        return NOT_UTF8;
      }
    }
    return null;
  }

  /**
   * Null if {@code name} (a name or path Strata holds, UTF-8) can name a file of this host as it
   * is; else why not: under a host charset other than UTF-8, a name that is not ASCII would be
   * encoded into other bytes.
   */
  public static String hostProblem(String name) {
    if (HOST_UTF8 || ascii(name)) {
      return null;
    }
    return "is not ASCII, and this server names files in "
        + HOST_CHARSET
        + ", not UTF-8 (start it with a UTF-8 locale, e.g. LC_ALL=C.UTF-8, as bin/stratad does)";
  }

  /**
   * Host path {@code p} for a message, each name's own bytes {@linkplain #shown(byte[]) shown} (the
   * JDK's string of it has U+FFFD for each byte that is not UTF-8).
   */
  public static String shown(Path p) {
    StringBuilder s = new StringBuilder();
    for (Path name : p) {
      if (s.length() > 0 || p.isAbsolute()) {
        s.append('/');
      }
      String text = name.toString();
      s.append(ascii(text) ? shown(text.getBytes(StandardCharsets.US_ASCII)) : shown(bytes(name)));
    }
    return s.length() == 0 && p.isAbsolute() ? "/" : s.toString();
  }

  /**
   * The bytes of {@code name}, a single name of this host. The JDK gives them out only in the URI
   * of a path ({@code UnixUriUtils} percent-encodes each byte that is not plain ASCII): the URI of
   * the name resolved against the working directory ends with it, and a directory's with a slash
   * more.
   */
  private static byte[] bytes(Path name) {
    String raw = name.toAbsolutePath().toUri().getRawPath();
    if (raw.endsWith("/")) {
      raw = raw.substring(0, raw.length() - 1);
    }
    return percentDecoded(raw.substring(raw.lastIndexOf('/') + 1));
  }

  /**
   * The exact bytes of the absolute host path {@code abs} (for a C call): its string's own when
   * ASCII, else percent-decoded from its URI as {@link #bytes} does for one name.
   */
  public static byte[] pathBytes(Path abs) {
    String s = abs.toString();
    if (ascii(s)) {
      return s.getBytes(StandardCharsets.US_ASCII);
    }
    String raw = abs.toUri().getRawPath();
    if (raw.length() > 1 && raw.endsWith("/")) {
      raw = raw.substring(0, raw.length() - 1);
    }
    return percentDecoded(raw);
  }

  private static byte[] percentDecoded(String raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static CharsetDecoder decoder() {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }
}
