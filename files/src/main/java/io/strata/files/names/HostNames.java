package io.strata.files.names;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The names of this host's files, taken only as they are: a {@link Path} keeps the bytes the kernel
 * gave it, and {@code toString()} decodes them with {@code sun.jnu.encoding} (the locale's charset
 * when the JVM started; {@code bin/stratad} and {@code bin/strata} give it a UTF-8 one), each
 * malformed byte becoming U+FFFD. A name is taken if its string, encoded again, gives back the
 * name's own bytes ({@code UnixPath.equals} compares bytes): a U+FFFD that stands for a bad byte
 * encodes to {@code EF BF BD} and differs, while a real U+FFFD in a name, which is valid UTF-8,
 * comes back equal. An ASCII string is taken without that round trip. Under a charset other than
 * UTF-8 only ASCII names can be read or made as they are: any other is refused saying so.
 *
 * <p>An instance refuses in the words of the program it runs in (which program, and how to start it
 * with a UTF-8 locale): the server's store and the client each make one.
 */
public final class HostNames {
  /** The charset this JVM decodes and encodes host file names with. */
  public static final String CHARSET = System.getProperty("sun.jnu.encoding", "UTF-8");

  private static final boolean UTF8 =
      CHARSET.equalsIgnoreCase("UTF-8") || CHARSET.equalsIgnoreCase("UTF8");

  private final String notReadable;
  private final String notMakeable;

  /**
   * Names refused, after {@code the name}, with {@code notReadable} when this JVM reads them in a
   * charset other than UTF-8 and they are not ASCII, and with {@code notMakeable} when it would
   * make a file of them so.
   */
  public HostNames(String notReadable, String notMakeable) {
    this.notReadable = notReadable;
    this.notMakeable = notMakeable;
  }

  /**
   * Null if every name of host path {@code p} (one name as a directory listing gives it, or a
   * symlink's target) is valid UTF-8 and read whole by this JVM; else what is wrong, after {@code
   * the name}: {@link Utf8Names#NOT_UTF8}, or this program's {@code notReadable}.
   */
  public String problem(Path p) {
    for (Path name : p) {
      String s = name.toString();
      if (ascii(s)) {
        continue;
      }
      if (!UTF8) {
        return notReadable;
      }
      if (!name.getFileSystem().getPath(s).equals(name)) {
        return Utf8Names.NOT_UTF8;
      }
    }
    return null;
  }

  /**
   * Null if {@code name} (a name or path Strata holds, UTF-8) can name a file of this host as it
   * is; else why not, this program's {@code notMakeable}: under a charset other than UTF-8, a name
   * that is not ASCII would be encoded into other bytes.
   */
  public String makeProblem(String name) {
    return UTF8 || ascii(name) ? null : notMakeable;
  }

  /**
   * The name of {@code file}, a file below directory {@code root} read from a listing; refused,
   * naming it, if it is not valid UTF-8.
   */
  public String name(Path root, Path file) throws BadNameException {
    Path name = file.getFileName();
    String why = problem(name);
    if (why != null) {
      throw new BadNameException(
          "directory " + root + ": file \"" + shown(root.relativize(file)) + "\": the name " + why);
    }
    return name.toString();
  }

  /** {@code target}, the target of symlink {@code link} below {@code root}; refused likewise. */
  public String linkTarget(Path root, Path link, Path target) throws BadNameException {
    String why = problem(target);
    if (why != null) {
      throw new BadNameException(
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
   * Host path {@code p} for a message, each name's own bytes {@linkplain Utf8Names#shown(byte[])
   * shown} (the JDK's string of it has U+FFFD for each byte that is not UTF-8).
   */
  public static String shown(Path p) {
    StringBuilder s = new StringBuilder();
    for (Path name : p) {
      if (s.length() > 0 || p.isAbsolute()) {
        s.append('/');
      }
      String text = name.toString();
      s.append(
          Utf8Names.shown(ascii(text) ? text.getBytes(StandardCharsets.US_ASCII) : bytes(name)));
    }
    return s.length() == 0 && p.isAbsolute() ? "/" : s.toString();
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
}
