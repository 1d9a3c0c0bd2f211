package io.strata.store.image.layer;

import io.strata.files.names.Utf8Names;
import io.strata.files.pax.EntryXattrs;
import io.strata.files.pax.HeaderCapture;
import io.strata.store.engine.StopSignal;
import io.strata.store.error.CorruptDataException;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.remote.MissingObjectException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The one reader of untrusted tars on the server: commons-compress's parser with every header
 * record checked before it is parsed, which the parser itself does not do. A header whose checksum
 * does not match (a text file, a block of zeros with a non-zero byte, a checksum field of {@code
 * 00000000}) is refused, as GNU tar and Go's archive/tar refuse it: the first one as "not a tar
 * archive", a later one as a corrupt tar with its offset. So is an input of no bytes at all (where
 * the parser sees an empty archive) and a header cut short. A tar of only its end-of-archive blocks
 * stays a valid, empty tar, and so does one that ends at a header boundary without them, as Go
 * reads it. Records after the end-of-archive block are not headers and are not checked.
 *
 * <p>Names are UTF-8, whatever the locale ({@link Utf8Names}): the parser decodes them so, and
 * {@link TarNames} checks the bytes they are decoded from first, refusing a name or link target
 * that is not valid UTF-8 (the parser would put {@code ?} for each bad byte and make two names
 * one). The content of a GNU long name or link and of a PAX header is kept as it goes by the parser
 * ({@link HeaderCapture}), and checked with the header of the entry it belongs to.
 *
 * <p>Every failure is an {@link InvalidArgumentException} of one line that starts with the name the
 * reader was given ({@code tar app.tar: not a tar archive (...)}).
 */
public final class CheckedTarInputStream extends TarArchiveInputStream {
  private static final int RECORD = 512;
  private static final int CHECKSUM = 148;
  private static final int CHECKSUM_LENGTH = 8;
  private static final int TYPE = 156;

  /** The most bytes a GNU long name or PAX header record may hold (1 MiB). */
  static final int MAX_METADATA = 1 << 20;

  // old GNU sparse headers: the "more sparse records follow" flags of the header and an extension
  private static final int GNU_SPARSE_EXTENDED = 482;
  private static final int GNU_SPARSE_EXTENSION_EXTENDED = 504;

  private final String what;
  private final CountingInputStream counted;
  // the stream under the parser when it makes up a missing last padding: told where each entry's
  // content ends, so that it makes up no content (AO1)
  private RecordPadding padding;
  private final HeaderCapture capture;
  private final TarNames names;
  private boolean ended;
  private byte[] lastMetadata; // the content of the metadata header before this one, if any
  private boolean sparseExtension;
  private long headers;

  /** Each entry's extended attributes, cut from the PAX header content {@link #capture} kept. */
  private final EntryXattrs xattrs = new EntryXattrs();

  /** Reads {@code in} (uncompressed); {@code what} names the tar in messages. */
  public CheckedTarInputStream(InputStream in, String what) {
    this(new CountingInputStream(in), what);
    if (in instanceof RecordPadding p) {
      padding = p;
    }
  }

  private CheckedTarInputStream(CountingInputStream counted, String what) {
    this(new HeaderCapture(counted), counted, what);
  }

  private CheckedTarInputStream(HeaderCapture in, CountingInputStream counted, String what) {
    super(in, "UTF-8"); // not the platform's charset: ASCII under no locale refused every é
    this.capture = in;
    this.counted = counted;
    this.what = what;
    this.names = new TarNames(what);
  }

  /** Checks every header of the tar {@code file}, reading past the entries' content. */
  public static void checkHeaders(Path file, String what) throws IOException {
    try (CheckedTarInputStream tar =
        new CheckedTarInputStream(new BufferedInputStream(Files.newInputStream(file)), what)) {
      while (tar.nextEntry() != null) {
        // each header is checked as it is read
      }
    }
  }

  /**
   * The next entry, or null at the end of the tar; a parse failure of the library is reported as a
   * corrupt tar naming this one.
   */
  public TarArchiveEntry nextEntry() {
    try {
      TarArchiveEntry e = getNextEntry();
      if (e != null && padding != null && !e.isSparse()) {
        // the parser is at the entry's first byte of content: every read so far was a header's
        padding.contentEndsAt(counted.count() + e.getSize());
      }
      return e;
    } catch (MissingObjectException e) {
      throw lost(what, e);
    } catch (IOException e) {
      String sparse = sparseTooLarge();
      if (sparse != null) {
        throw new InvalidArgumentException(what + ": " + sparse);
      }
      throw readFailed(what, e, oneLine(e.getMessage()));
    } catch (IllegalArgumentException e) {
      String sparse = sparseTooLarge();
      if (sparse != null) {
        throw new InvalidArgumentException(what + ": " + sparse);
      }
      throw new InvalidArgumentException(
          what + ": truncated or corrupt tar (" + oneLine(e.getMessage()) + ")", e);
    }
  }

  /**
   * Why the entry whose PAX header the parser failed on is a sparse file it cannot read, or null:
   * that header read whole, or the one before the header just read (the parser applies a PAX header
   * after reading the next header).
   */
  private String sparseTooLarge() {
    String sparse = SparseLimit.tooLarge(capture.captured());
    return sparse != null ? sparse : SparseLimit.tooLarge(lastMetadata);
  }

  /**
   * A read of the tar that failed with {@code e}: a corrupt tar, unless the read was stopped or
   * interrupted (a server's stop, {@link StopSignal}), which says nothing of the tar and is passed
   * on as what it is, so that the work is done again rather than refused for good.
   */
  static RuntimeException readFailed(String what, IOException e, String message) {
    if (StopSignal.stopped(e)) {
      return new UncheckedIOException(what + ": " + e.getMessage(), e);
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SourceReadException s) {
        return new UncheckedIOException(s.getMessage(), s); // names the file already
      }
    }
    return new InvalidArgumentException(what + ": truncated or corrupt tar (" + message + ")", e);
  }

  /**
   * A tar read from the store that the store could not give whole: a pack of a shared store is not
   * in the bucket. The store's loss, not a corrupt tar of the user's (which is bad input).
   */
  static CorruptDataException lost(String what, MissingObjectException e) {
    return new CorruptDataException(
        what + ": " + e.getMessage() + " (the bucket has lost it)", what, e);
  }

  /** Called by the parser on each record it reads as a header, before parsing it. */
  @Override
  protected boolean isEOFRecord(byte[] record) {
    if (ended) {
      return super.isEOFRecord(record); // the second end block, or what follows the end
    }
    long read = counted.count();
    if (record == null) {
      if (read == 0) {
        throw new InvalidArgumentException(what + ": not a tar archive (it is empty)");
      }
      if (read < RECORD) {
        throw new InvalidArgumentException(
            what + ": not a tar archive (" + read + " bytes, shorter than a tar header)");
      }
      if (read % RECORD != 0) {
        throw new InvalidArgumentException(
            what
                + ": truncated tar (the header at byte "
                + read / RECORD * RECORD
                + " is cut short after "
                + read % RECORD
                + " bytes)");
      }
      ended = true;
      return true; // the tar stops at a header boundary without its end blocks
    }
    if (super.isEOFRecord(record)) {
      ended = true;
      return true;
    }
    if (sparseExtension) {
      // a record of an old GNU sparse map: no header, no checksum
      sparseExtension = record[GNU_SPARSE_EXTENSION_EXTENDED] != 0;
      return false;
    }
    long stored = storedChecksum(record);
    if (!checksumMatches(record, stored)) {
      String mismatch =
          stored < 0
              ? "the header's checksum field holds no octal number"
              : "header checksum "
                  + Long.toOctalString(stored)
                  + " does not match the header's sum "
                  + Long.toOctalString(unsignedSum(record));
      if (headers == 0) {
        throw new InvalidArgumentException(what + ": not a tar archive (" + mismatch + ")");
      }
      throw new InvalidArgumentException(
          what + ": corrupt tar (the header at byte " + (read - RECORD) + ": " + mismatch + ")");
    }
    headers++;
    String tooLarge = SparseLimit.tooLargeOldGnu(record);
    if (tooLarge != null) {
      throw new InvalidArgumentException(what + ": " + tooLarge);
    }
    sparseExtension = record[TYPE] == 'S' && record[GNU_SPARSE_EXTENDED] != 0;
    long metadata = checkMetadataSize(record, read - RECORD);
    byte[] content = capture.take();
    // the parser applies a PAX header after it read the next header: kept for its failure
    lastMetadata = content;
    names.header(record, content);
    xattrs.header(record[TYPE], content);
    if (metadata >= 0) {
      capture.start((int) metadata);
    }
    return false;
  }

  /**
   * The extended attributes of the entry {@link #nextEntry} returned last, byte for byte from its
   * PAX header ({@link EntryXattrs}): the parser's {@code SCHILY.xattr.*} values went through
   * UTF-8, which mangles binary ones such as {@code security.capability}.
   */
  public Map<String, byte[]> exactXattrs() {
    return xattrs.get();
  }

  /**
   * The parser reads a GNU long name or link ({@code L}, {@code K}) or a PAX header ({@code x},
   * {@code g}) whole into memory: one of 150 MB ran the server out of heap. Real ones are a path (4
   * KiB) or a few attributes; larger than {@value #MAX_METADATA} bytes is refused. Returns the size
   * of such a header's content (-1 for any other header).
   */
  private long checkMetadataSize(byte[] record, long at) {
    if (!HeaderCapture.isMetadata(record[TYPE])) {
      return -1;
    }
    byte type = record[TYPE];
    long size;
    try {
      size = org.apache.commons.compress.archivers.tar.TarUtils.parseOctalOrBinary(record, 124, 12);
    } catch (IllegalArgumentException e) {
      return -1; // the parser refuses it, naming the header
    }
    if (size > MAX_METADATA) {
      throw new InvalidArgumentException(
          what
              + ": the "
              + (type == 'L' || type == 'K' ? "GNU long name" : "PAX header")
              + " at byte "
              + at
              + " holds "
              + size
              + " bytes, more than the "
              + MAX_METADATA
              + " a header may");
    }
    return Math.max(size, 0);
  }

  /**
   * Whether {@code header}'s checksum field holds the sum of its bytes with the field counted as
   * spaces: unsigned, as POSIX says, or signed, as some old tars wrote it.
   */
  static boolean checksumMatches(byte[] header, long stored) {
    if (stored < 0) {
      return false;
    }
    long signed = 0;
    for (int i = 0; i < RECORD; i++) {
      signed += inChecksum(i) ? ' ' : header[i];
    }
    return stored == unsignedSum(header) || stored == signed;
  }

  private static long unsignedSum(byte[] header) {
    long sum = 0;
    for (int i = 0; i < RECORD; i++) {
      sum += inChecksum(i) ? ' ' : header[i] & 0xFF;
    }
    return sum;
  }

  private static boolean inChecksum(int i) {
    return i >= CHECKSUM && i < CHECKSUM + CHECKSUM_LENGTH;
  }

  /**
   * The checksum field: octal digits, led by spaces or zeros and ended by a NUL or a space; -1 if
   * it holds no digit or anything else.
   */
  static long storedChecksum(byte[] header) {
    int i = CHECKSUM;
    int end = CHECKSUM + CHECKSUM_LENGTH;
    while (i < end && header[i] == ' ') {
      i++;
    }
    long v = 0;
    int digits = 0;
    for (; i < end && header[i] >= '0' && header[i] <= '7'; i++) {
      v = v * 8 + (header[i] - '0');
      digits++;
    }
    for (; i < end; i++) {
      if (header[i] != 0 && header[i] != ' ') {
        return -1;
      }
    }
    return digits == 0 ? -1 : v;
  }

  private static String oneLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl).strip();
  }
}
