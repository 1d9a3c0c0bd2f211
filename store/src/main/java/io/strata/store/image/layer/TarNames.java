package io.strata.store.image.layer;

import io.strata.files.names.Utf8Names;
import io.strata.files.pax.HeaderCapture;
import io.strata.store.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks, for {@link CheckedTarInputStream}, that each entry's name and link target are valid
 * UTF-8, from the bytes the parser decodes them from: a file's header ({@code name}, ustar {@code
 * prefix}, {@code linkname}), or what the metadata entries before it put in their place, a GNU long
 * name or link ({@code L}, {@code K}) or a PAX {@code path}, {@code linkpath} or {@code
 * GNU.sparse.name} (of the entry's own header {@code x} or of a global one {@code g}, which holds
 * until another changes it). A header field that one of those replaces is not checked: the parser
 * never reads it as a name (writers put a cut or ASCII copy there). Other PAX records are not names
 * and may hold any bytes ({@code SCHILY.xattr.*} values are binary).
 *
 * <p>A refusal is one line naming the tar, the entry and the bad bytes: {@code tar t.tar: entry
 * "./bad\xff1": the name is not valid UTF-8 (Strata keeps file names as UTF-8)}.
 */
final class TarNames {
  private static final int NAME = 0;
  private static final int NAME_LENGTH = 100;
  private static final int TYPE = 156;
  private static final int LINKNAME = 157;
  private static final int MAGIC = 257;
  private static final int PREFIX = 345;
  private static final int PREFIX_LENGTH = 155;
  private static final int XSTAR_PREFIX_LENGTH = 131;
  private static final int XSTAR_MAGIC = 508;

  private static final String PATH = "path";
  private static final String LINKPATH = "linkpath";
  private static final String SPARSE_NAME = "GNU.sparse.name";

  private final String what;

  /** The type of the metadata entry whose content comes next (0: none). */
  private byte pending;

  // What the metadata entries since the last file's header put in place of its fields.
  private byte[] longName;
  private byte[] longLink;

  /** The names of the entry's own PAX header, over the global ones; null without one. */
  private Map<String, byte[]> pax;

  private final Map<String, byte[]> globalPax = new HashMap<>();

  TarNames(String what) {
    this.what = what;
  }

  /**
   * Takes header {@code record} (its checksum checked) before the parser reads it; {@code content}
   * is the content of the header before, when that was a metadata entry read whole.
   */
  void header(byte[] record, byte[] content) {
    if (pending != 0 && content != null) {
      take(pending, content);
    }
    pending = 0;
    byte type = record[TYPE];
    if (HeaderCapture.isMetadata(type)) {
      pending = type;
      return;
    }
    try {
      check(record);
    } finally {
      longName = null;
      longLink = null;
      pax = null;
    }
  }

  private void take(byte type, byte[] content) {
    switch (type) {
      case 'L' -> longName = withoutTrailingNuls(content);
      case 'K' -> longLink = withoutTrailingNuls(content);
      case 'x' -> {
        pax = new HashMap<>(globalPax);
        paxNames(content, pax);
      }
      default -> paxNames(content, globalPax); // 'g'
    }
  }

  private void check(byte[] record) {
    Map<String, byte[]> names = pax != null ? pax : globalPax;
    byte[] entry = null; // the entry's name, for a message about its link
    for (byte[] n : new byte[][] {longName, names.get(PATH), names.get(SPARSE_NAME)}) {
      if (n != null) {
        if (!Utf8Names.isUtf8(n, 0, n.length)) {
          throw badName(n);
        }
        entry = entry == null ? n : entry;
      }
    }
    if (entry == null) {
      int prefix = prefixLength(record);
      if (!Utf8Names.isUtf8(record, NAME, fieldLength(record, NAME, NAME_LENGTH))
          || !Utf8Names.isUtf8(record, PREFIX, prefix)) {
        throw badName(fieldName(record));
      }
    }
    boolean replaced = false;
    for (byte[] l : new byte[][] {longLink, names.get(LINKPATH)}) {
      if (l != null) {
        replaced = true;
        if (!Utf8Names.isUtf8(l, 0, l.length)) {
          throw badLink(record, entry, l);
        }
      }
    }
    int link = fieldLength(record, LINKNAME, NAME_LENGTH);
    if (!replaced && !Utf8Names.isUtf8(record, LINKNAME, link)) {
      throw badLink(record, entry, Arrays.copyOfRange(record, LINKNAME, LINKNAME + link));
    }
  }

  private InvalidArgumentException badName(byte[] name) {
    return new InvalidArgumentException(
        what + ": entry \"" + Utf8Names.shown(name) + "\": the name " + Utf8Names.NOT_UTF8);
  }

  private InvalidArgumentException badLink(byte[] record, byte[] entry, byte[] link) {
    return new InvalidArgumentException(
        what
            + ": entry \""
            + Utf8Names.shown(entry != null ? entry : fieldName(record))
            + "\": the link target \""
            + Utf8Names.shown(link)
            + "\" "
            + Utf8Names.NOT_UTF8);
  }

  /**
   * The length of the ustar prefix the parser reads from the header: none in the old GNU format
   * ({@code "ustar \0"}), which keeps times and a sparse map there; 131 bytes at most in star's
   * form ({@code "tar\0"} at the end), else 155; up to its first NUL.
   */
  private static int prefixLength(byte[] record) {
    boolean gnu =
        record[MAGIC] == 'u'
            && record[MAGIC + 1] == 's'
            && record[MAGIC + 2] == 't'
            && record[MAGIC + 3] == 'a'
            && record[MAGIC + 4] == 'r'
            && record[MAGIC + 5] == ' ';
    if (gnu) {
      return 0;
    }
    boolean xstar =
        record[XSTAR_MAGIC] == 't'
            && record[XSTAR_MAGIC + 1] == 'a'
            && record[XSTAR_MAGIC + 2] == 'r'
            && record[XSTAR_MAGIC + 3] == 0;
    return fieldLength(record, PREFIX, xstar ? XSTAR_PREFIX_LENGTH : PREFIX_LENGTH);
  }

  /** The length of the text in a field: up to its first NUL, as the parser reads it. */
  private static int fieldLength(byte[] record, int off, int length) {
    int n = 0;
    while (n < length && record[off + n] != 0) {
      n++;
    }
    return n;
  }

  /** The name of a header without a replacement: {@code prefix/name}, as the parser joins them. */
  private static byte[] fieldName(byte[] record) {
    int prefix = prefixLength(record);
    int name = fieldLength(record, NAME, NAME_LENGTH);
    byte[] out = new byte[prefix + (prefix > 0 ? 1 : 0) + name];
    System.arraycopy(record, PREFIX, out, 0, prefix);
    if (prefix > 0) {
      out[prefix] = '/';
    }
    System.arraycopy(record, NAME, out, out.length - name, name);
    return out;
  }

  private static byte[] withoutTrailingNuls(byte[] b) {
    int n = b.length;
    while (n > 0 && b[n - 1] == 0) {
      n--;
    }
    return n == b.length ? b : Arrays.copyOf(b, n);
  }

  /**
   * Puts the name records ({@code path}, {@code linkpath}, {@code GNU.sparse.name}) of PAX header
   * content {@code b} into {@code into}, exact bytes, an empty value removing the name, as
   * commons-compress reads the records ({@code "LEN KEY=VALUE\n"}, LEN counting the whole record);
   * it stops where the parser would refuse the header.
   */
  static void paxNames(byte[] b, Map<String, byte[]> into) {
    int at = 0;
    while (at < b.length) {
      int start = at;
      int length = 0;
      while (at < b.length && b[at] != ' ' && b[at] != '\n') {
        length = length * 10 + (b[at] - '0');
        at++;
      }
      if (at >= b.length) {
        return;
      }
      if (b[at++] == '\n') {
        continue; // an empty line
      }
      int key = at;
      while (at < b.length && b[at] != '=') {
        at++;
      }
      if (at >= b.length) {
        return;
      }
      String k = new String(b, key, at - key, StandardCharsets.UTF_8);
      boolean name = k.equals(PATH) || k.equals(LINKPATH) || k.equals(SPARSE_NAME);
      at++;
      int rest = length - (at - start); // the value and its '\n'
      if (rest <= 1) {
        if (name) {
          into.remove(k);
        }
        continue;
      }
      if (rest > b.length - at || b[at + rest - 1] != '\n') {
        return;
      }
      if (name) {
        into.put(k, Arrays.copyOfRange(b, at, at + rest - 1));
      }
      at += rest;
    }
  }
}
