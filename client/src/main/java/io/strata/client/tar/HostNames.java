package io.strata.client.tar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The names of this host's files the client sends and makes: Strata keeps file names as UTF-8, so a
 * name read from a directory that is not valid UTF-8 is refused, naming it, rather than sent with
 * U+FFFD in place of its bad bytes (two such names became one file, the other lost).
 *
 * <p>A {@link Path} keeps the bytes the kernel gave it, and {@code toString()} decodes them with
 * {@code sun.jnu.encoding} (the locale's charset when the JVM started; {@code bin/strata} gives it
 * a UTF-8 one), each malformed byte becoming U+FFFD. A name is taken if its string, encoded again,
 * gives back the name's own bytes ({@code UnixPath.equals} compares bytes): a U+FFFD standing for a
 * bad byte encodes to {@code EF BF BD} and differs, while a real U+FFFD, valid UTF-8, comes back
 * equal. An ASCII string is taken without that round trip. Under a charset other than UTF-8 only
 * ASCII names can be read or made as they are: any other is refused saying so.
 *
 * <p>The server checks the names of its own host the same way ({@code
 * io.strata.store.fs.FileNames}; the client depends on nothing of the store).
 */
final class HostNames {
  private HostNames() {}

  private static final String NOT_UTF8 = "is not valid UTF-8 (Strata keeps file names as UTF-8)";

  private static final String HOST_CHARSET = System.getProperty("sun.jnu.encoding", "UTF-8");

  private static final boolean HOST_UTF8 =
      HOST_CHARSET.equalsIgnoreCase("UTF-8") || HOST_CHARSET.equalsIgnoreCase("UTF8");

  private static final String NOT_HERE =
      "is not ASCII, and this client reads and makes file names in "
          + HOST_CHARSET
          + ", not UTF-8 (run it with a UTF-8 locale, e.g. LC_ALL=C.UTF-8, as bin/strata does)";

  /**
   * The name of {@code file}, a file below {@code root} read from a directory listing; refused,
   * naming it, if it is not valid UTF-8.
   */
  static String name(Path root, Path file) throws IOException {
    Path name = file.getFileName();
    String why = problem(name);
    if (why != null) {
      throw new IOException(
          "directory " + root + ": file \"" + shown(root.relativize(file)) + "\": the name " + why);
    }
    return name.toString();
  }

  /** The target of symlink {@code link} below {@code root}; refused if it is not valid UTF-8. */
  static String linkTarget(Path root, Path link, Path target) throws IOException {
    String why = problem(target);
    if (why != null) {
      throw new IOException(
          "directory "
              + root
              + ": file \""
              + shown(root.relativize(link))
              + "\": the link target \""
              + shown(target)
              + "\" "
              + why);
    }
    return target.toString();
  }

  /**
   * Refuses {@code name} (a path the server sent) if this client cannot make a file of it as it is:
   * one that is not ASCII under a charset other than UTF-8 would get other bytes. {@code subject}
   * starts the message ({@code tar x: entry a/é: the name}).
   */
  static void checkMakeable(String name, String subject) throws IOException {
    if (!HOST_UTF8 && !ascii(name)) {
      throw new IOException(subject + " " + NOT_HERE);
    }
  }

  /** Null if every name of {@code p} is valid UTF-8 and read whole here; else what is wrong. */
  private static String problem(Path p) {
    for (Path name : p) {
      String s = name.toString();
      if (ascii(s)) {
        continue;
      }
      if (!HOST_UTF8) {
        return NOT_HERE;
      }
      if (!name.getFileSystem().getPath(s).equals(name)) {
        return NOT_UTF8;
      }
    }
    return null;
  }

  /**
   * {@code p} for a message: each name's own bytes, what is valid UTF-8 as its characters, any
   * other byte as {@code \xHH}; control characters, {@code "} and {@code \} escaped too.
   */
  static String shown(Path p) {
    StringBuilder s = new StringBuilder();
    for (Path name : p) {
      if (s.length() > 0 || p.isAbsolute()) {
        s.append('/');
      }
      String text = name.toString();
      s.append(shown(ascii(text) ? text.getBytes(StandardCharsets.US_ASCII) : bytes(name)));
    }
    return s.length() == 0 && p.isAbsolute() ? "/" : s.toString();
  }

  /**
   * The bytes of {@code name}, one name of this host. The JDK gives them out only in the URI of a
   * path ({@code UnixUriUtils} percent-encodes each byte that is not plain ASCII): the URI of the
   * name resolved against the working directory ends with it, a directory's with a slash more.
   */
  private static byte[] bytes(Path name) {
    String raw = name.toAbsolutePath().toUri().getRawPath();
    if (raw.endsWith("/")) {
      raw = raw.substring(0, raw.length() - 1);
    }
    return percentDecoded(raw.substring(raw.lastIndexOf('/') + 1));
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

  /**
   * The exact bytes of the absolute path {@code abs}: its string's own when ASCII, else percent-
   * decoded from its URI as {@link #bytes} does for one name.
   */
  static byte[] pathBytes(Path abs) {
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

  /** Whether {@code b} is valid UTF-8. */
  static boolean isUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** {@code b} for a message (see {@link #shown(Path)}). */
  static String shown(byte[] b) {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(b);
    CharBuffer out = CharBuffer.allocate(b.length);
    StringBuilder s = new StringBuilder(b.length + 8);
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

  private static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
