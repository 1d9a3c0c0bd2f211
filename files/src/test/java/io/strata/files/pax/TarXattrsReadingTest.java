package io.strata.files.pax;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each entry's attributes, byte for byte, through a tar parser as the store's and the client's
 * readers use {@link HeaderCapture}, {@link EntryXattrs} and {@link PaxXattrs}.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TarXattrsReadingTest {
  private static final byte[] BINARY = {0, (byte) 0xff, (byte) 0x80, '\n', '=', ' '};

  /** A reader as the callers make one: capture every metadata header's content. */
  private static final class Reader extends TarArchiveInputStream {
    private final HeaderCapture capture;
    private final EntryXattrs xattrs = new EntryXattrs();

    Reader(byte[] tar) {
      this(new HeaderCapture(new ByteArrayInputStream(tar)));
    }

    private Reader(HeaderCapture in) {
      super(in, "UTF-8");
      this.capture = in;
    }

    @Override
    protected boolean isEOFRecord(byte[] record) {
      if (super.isEOFRecord(record)) {
        return true;
      }
      xattrs.header(record[156], capture.take());
      if (HeaderCapture.isMetadata(record[156])) {
        capture.start((int) TarUtils.parseOctalOrBinary(record, 124, 12));
      }
      return false;
    }
  }

  /** Entry name to its attributes, values in hex. */
  private static Map<String, Map<String, String>> read(byte[] tar) throws IOException {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    try (Reader in = new Reader(tar)) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        Map<String, String> x = new TreeMap<>();
        in.xattrs.get().forEach((k, v) -> x.put(k, HexFormat.of().formatHex(v)));
        out.put(e.getName(), x);
      }
    }
    return out;
  }

  /**
   * A file of two bytes, its time in whole seconds: commons-compress gives a time of a finer one a
   * PAX header of its own, which a reader takes in place of the one before (the last one wins).
   */
  private static TarArchiveEntry entry(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(2);
    e.setModTime(FileTime.fromMillis(1_700_000_000_000L));
    return e;
  }

  private static void content(TarArchiveOutputStream tar) throws IOException {
    tar.write(new byte[] {'o', 'k'});
    tar.closeArchiveEntry();
  }

  @Test
  void eachEntryHasItsOwnAttributesByteForByte() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      PaxHeader.useForLongValues(tar);
      TarArchiveEntry a = entry("a");
      PaxHeader.forEntry(a)
          .addXattr("user.bin", BINARY)
          .addXattr("user.t", "v".getBytes())
          .putWith(tar, a);
      content(tar);
      tar.putArchiveEntry(entry("b")); // no header of its own: none of a's
      content(tar);
      // a GNU long name between an entry's PAX header and the entry
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      TarArchiveEntry c = entry("c/" + "n".repeat(120));
      new PaxHeader().addXattr("user.c", BINARY).writeBefore(tar, c);
      tar.putArchiveEntry(c);
      content(tar);
    }
    Map<String, Map<String, String>> got = read(out.toByteArray());
    assertThat(got.get("a")).isEqualTo(Map.of("user.bin", "00ff800a3d20", "user.t", "76"));
    assertThat(got.get("b")).isEmpty();
    assertThat(got.get("c/" + "n".repeat(120))).isEqualTo(Map.of("user.c", "00ff800a3d20"));
  }

  /** A record cut short or of the wrong length is no attribute; of two, the last one wins. */
  @Test
  void scanTakesWholeRecordsOnly() {
    byte[] raw =
        ("21 SCHILY.xattr.a=1\n" // one byte short of its length: no record
                + "21 SCHILY.xattr.b=22\n"
                + "21 SCHILY.xattr.b=33\n"
                + "10 path=x\n"
                + "21 SCHILY.xattr.c=44\n")
            .getBytes(StandardCharsets.US_ASCII);
    Map<String, byte[]> x = PaxXattrs.scan(raw, raw.length);
    assertThat(x.keySet()).containsExactlyInAnyOrder("b", "c");
    assertThat(x.get("b")).isEqualTo("33".getBytes());
    assertThat(PaxXattrs.scan(raw, raw.length - 1)).as("c cut off by len").doesNotContainKey("c");
  }

  /**
   * A length of more digits than a long holds is no record, not a NumberFormatException out of the
   * scan (which failed the tar's read with the parser's words); the records around it are read.
   */
  @Test
  void aLengthTooLongForALongIsNoRecord() {
    byte[] raw =
        ("99999999999999999999 SCHILY.xattr.a=1\n" + "21 SCHILY.xattr.b=22\n")
            .getBytes(StandardCharsets.US_ASCII);
    Map<String, byte[]> x = PaxXattrs.scan(raw, raw.length);
    assertThat(x.keySet()).containsExactly("b");
  }

  /** Bytes the parser skips while a copy is made are read into the copy. */
  @Test
  void aSkipWhileCapturingIsCaptured() throws IOException {
    HeaderCapture c = new HeaderCapture(new ByteArrayInputStream("abcdef".getBytes()));
    assertThat(c.read()).isEqualTo('a');
    c.start(3);
    assertThat(c.skip(10)).isEqualTo(3);
    assertThat(c.take()).isEqualTo("bcd".getBytes());
    assertThat(c.take()).as("forgotten once taken").isNull();
    c.start(5);
    assertThat(c.read(new byte[8], 0, 8)).isEqualTo(2);
    assertThat(c.take()).as("not read whole").isNull();
  }

  @Test
  void metadataHeadersAreTheOnesForTheNextEntry() {
    for (byte t : new byte[] {'L', 'K', 'x', 'g'}) {
      assertThat(HeaderCapture.isMetadata(t)).isTrue();
    }
    for (byte t : new byte[] {'0', '5', '2', TarConstants.LF_OLDNORM, 'S'}) {
      assertThat(HeaderCapture.isMetadata(t)).isFalse();
    }
  }
}
