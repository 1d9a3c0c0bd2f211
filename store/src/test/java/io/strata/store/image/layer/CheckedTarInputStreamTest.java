package io.strata.store.image.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every header of a tar is checked before commons-compress parses it: what is not a tar, a corrupt
 * header and an empty input are refused naming the tar, while real tars of every common writer (an
 * empty one, one without end blocks, checksums summed signed, old GNU sparse maps spanning
 * extension records) are read as before.
 */
class CheckedTarInputStreamTest {
  @TempDir Path dir;

  /** The names of the entries of {@code tar}, read as a layer import reads it (record padding). */
  private static List<String> names(byte[] tar) throws IOException {
    CheckedTarInputStream in =
        new CheckedTarInputStream(new RecordPadding(new ByteArrayInputStream(tar)), "tar t.tar");
    List<String> out = new ArrayList<>();
    TarArchiveEntry e;
    while ((e = in.nextEntry()) != null) {
      out.add(e.getName());
    }
    return out;
  }

  /** Every entry's name and content, read as a layer import reads them (record padding). */
  private static List<String> contents(byte[] tar) throws IOException {
    CheckedTarInputStream in =
        new CheckedTarInputStream(new RecordPadding(new ByteArrayInputStream(tar)), "tar t.tar");
    List<String> out = new ArrayList<>();
    TarArchiveEntry e;
    while ((e = in.nextEntry()) != null) {
      out.add(e.getName() + "=" + new String(in.readAllBytes(), UTF_8));
    }
    return out;
  }

  /**
   * A tar cut inside a file's content is refused, as GNU tar and Go's reader refuse it: the zeros
   * made up for a missing last padding were read as the rest of the file (AO1: "hel\0\0\0" for
   * "hello\n"). One that ends right after its last file's content, as umoci writes, is read.
   */
  @Test
  void aTarCutInsideAFilesContentIsRefusedNotMadeUpWithZeros() throws IOException {
    byte[] tar = new TarBuilder().file("a.txt", "hello\n").file("b", "2").bytes();
    for (int cut : new int[] {513, 515, 517, 512 + 512 + 512}) {
      byte[] cutTar = Arrays.copyOf(tar, cut);
      assertThatThrownBy(() -> contents(cutTar))
          .as("cut at %d", cut)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("inside the content of an entry");
    }
    // umoci's: the last file's content whole, no padding, no end blocks
    assertThat(contents(Arrays.copyOf(tar, 512 + 512 + 512 + 1)))
        .containsExactly("a.txt=hello\n", "b=2");
  }

  private static byte[] twoFiles() throws IOException {
    return new TarBuilder().file("a", "1").file("b", "2").bytes();
  }

  /**
   * GNU tar's sparse files the parser cannot read (a PAX 1.0 one of 2 GiB or more: it takes the
   * size as an int; an old GNU one of 8 GiB or more: base-256) are refused naming the entry and
   * why, not as a "truncated or corrupt tar". One just under the limit is read.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void sparseFilesTheParserCannotReadAreRefusedInWords() throws Exception {
    io.strata.store.testing.Tools.require("tar", "truncate");
    Path f = dir.resolve("f");
    Path small = dir.resolve("small");
    run("truncate", "-s", "2049M", f.toString());
    run("truncate", "-s", "9G", small.toString()); // renamed below: only its size matters
    run("sh", "-c", "echo hi | dd of=" + f + " conv=notrunc bs=1M seek=100 status=none");
    Path pax = dir.resolve("pax.tar");
    run("tar", "--format=pax", "--sparse", "-C", dir.toString(), "-cf", pax.toString(), "f");
    assertThatThrownBy(() -> names(Files.readAllBytes(pax)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "tar t.tar: entry f: a sparse file of 2,148,532,224 bytes (GNU's PAX sparse format"
                + " 1.0), which the tar reader Strata uses takes only up to 2 GiB; a tar made"
                + " without --sparse carries its zeros instead, which Strata stores once");
    Files.move(small, dir.resolve("g"));
    Path gnu = dir.resolve("gnu.tar");
    run("tar", "--format=gnu", "--sparse", "-C", dir.toString(), "-cf", gnu.toString(), "g");
    assertThatThrownBy(() -> names(Files.readAllBytes(gnu)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith(
            "tar t.tar: entry g: a sparse file of 9,663,676,416 bytes in GNU's old sparse format");
    run("truncate", "-s", "2047M", f.toString());
    run("tar", "--format=pax", "--sparse", "-C", dir.toString(), "-cf", pax.toString(), "f");
    assertThat(names(Files.readAllBytes(pax))).containsExactly("f");
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
  }

  @Test
  void aHugeGnuLongNameIsRefusedBeforeItIsRead() {
    // one header of type L claiming 150 MB: the parser would read it whole into memory
    byte[] h = new byte[512];
    byte[] name = "././@LongLink".getBytes(UTF_8);
    System.arraycopy(name, 0, h, 0, name.length);
    System.arraycopy("0000644\0".getBytes(UTF_8), 0, h, 100, 8);
    System.arraycopy(String.format("%011o\0", 150_000_000L).getBytes(UTF_8), 0, h, 124, 12);
    System.arraycopy("00000000000\0".getBytes(UTF_8), 0, h, 136, 12);
    h[156] = 'L';
    System.arraycopy("ustar  \0".getBytes(UTF_8), 0, h, 257, 8);
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    System.arraycopy(String.format("%06o\0 ", sum).getBytes(UTF_8), 0, h, 148, 8);
    byte[] tar = Arrays.copyOf(h, 512 * 4);
    assertThatThrownBy(() -> names(tar))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "tar t.tar: the GNU long name at byte 0 holds 150000000 bytes, more than the 1048576 a"
                + " header may");
  }

  /**
   * A tar the store cannot give whole (a shared store's pack not in the bucket) is the store's
   * loss, said so: it was "truncated or corrupt tar", which the CLI reports as bad usage (exit 2;
   * docs/ADVERSARIAL.md, E6).
   */
  @Test
  void aPackMissingFromTheBucketIsDataLostNotACorruptTar() throws IOException {
    byte[] tar = twoFiles();
    java.io.InputStream cut =
        new java.io.FilterInputStream(new java.io.ByteArrayInputStream(tar, 0, 1024)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
              throw new io.strata.store.remote.MissingObjectException(
                  "s3://b/f/ at http://rgw: packs/00000040.pack is not in the bucket", null);
            }
            return n;
          }
        };
    CheckedTarInputStream in = new CheckedTarInputStream(cut, "layer sha256:19173b");
    assertThat(in.nextEntry().getName()).isEqualTo("a");
    assertThatThrownBy(in::nextEntry)
        .isInstanceOf(io.strata.store.error.CorruptDataException.class)
        .hasMessage(
            "layer sha256:19173b: s3://b/f/ at http://rgw: packs/00000040.pack is not in the"
                + " bucket (the bucket has lost it)");
  }

  /**
   * A read stopped by a server's stop, or interrupted, says nothing about the tar: it is passed on
   * as what it is (unchecked), never as a corrupt tar, which would make the import of a pushed
   * image fail for good and its pending record be cleared (docs/ADVERSARIAL.md, H9).
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aReadStoppedOrInterruptedIsNoCorruptTar() throws IOException {
    byte[] tar = twoFiles();
    io.strata.store.engine.StopSignal stop = new io.strata.store.engine.StopSignal();
    CheckedTarInputStream stopped =
        new CheckedTarInputStream(
            stop.guard(new java.io.ByteArrayInputStream(tar), "blob sha256:464406"),
            "layer sha256:464406");
    assertThat(stopped.nextEntry().getName()).isEqualTo("a");
    stop.raise();
    assertThatThrownBy(stopped::nextEntry)
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasCauseInstanceOf(io.strata.store.engine.StopSignal.Stopped.class)
        .hasMessage("layer sha256:464406: blob sha256:464406: stopped, the server stops");

    InputStream interrupted =
        new java.io.FilterInputStream(new java.io.ByteArrayInputStream(tar, 0, 1024)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
              throw new java.nio.channels.ClosedByInterruptException();
            }
            return n;
          }
        };
    CheckedTarInputStream in = new CheckedTarInputStream(interrupted, "layer sha256:464406");
    assertThat(in.nextEntry().getName()).isEqualTo("a");
    assertThatThrownBy(in::nextEntry)
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasCauseInstanceOf(java.nio.channels.ClosedByInterruptException.class);
  }

  @Test
  void aShortTextFileIsNotATar() {
    // padded to a record, as a layer's end is, it used to parse as a header named "garbage 1\n"
    assertThatThrownBy(() -> names("garbage 1\n".getBytes(UTF_8)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "tar t.tar: not a tar archive (the header's checksum field holds no octal number)");
  }

  @Test
  void anEmptyInputIsNotATarButTheEndBlocksAloneAreAnEmptyTar() throws IOException {
    assertThatThrownBy(() -> names(new byte[0]))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("tar t.tar: not a tar archive (it is empty)");
    assertThat(names(new byte[1024])).isEmpty();
    assertThat(names(new TarBuilder().bytes())).isEmpty();
  }

  @Test
  void aChecksumOfZerosIsRefused() throws IOException {
    byte[] tar = twoFiles();
    Arrays.fill(tar, 148, 156, (byte) '0');
    assertThatThrownBy(() -> names(tar))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("tar t.tar: not a tar archive (header checksum 0 does not match");
  }

  @Test
  void aLaterCorruptHeaderIsNamedByItsOffset() throws IOException {
    byte[] tar = twoFiles();
    tar[1024 + 10] ^= 1; // in b's header: a, its content record, then b
    assertThatThrownBy(() -> names(tar))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("tar t.tar: corrupt tar (the header at byte 1024: header checksum");
  }

  @Test
  void lessThanAHeaderIsNotATar() {
    // not padded to a record: how cp, ADD and the archive check read
    assertThatThrownBy(
            () ->
                new CheckedTarInputStream(
                        new ByteArrayInputStream("hello".getBytes(UTF_8)), "tar t.tar")
                    .nextEntry())
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("tar t.tar: not a tar archive (5 bytes, shorter than a tar header)");
  }

  @Test
  void aHeaderCutShortIsATruncatedTar() throws IOException {
    byte[] cut = Arrays.copyOf(twoFiles(), 1024 + 100);
    assertThatThrownBy(
            () -> {
              CheckedTarInputStream in =
                  new CheckedTarInputStream(new ByteArrayInputStream(cut), "tar t.tar");
              while (in.nextEntry() != null) {
                // read to the cut
              }
            })
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(
            "tar t.tar: truncated tar (the header at byte 1024 is cut short after 100 bytes)");
  }

  @Test
  void realTarsStillRead() throws IOException {
    byte[] tar = twoFiles();
    assertThat(names(tar)).containsExactly("a", "b");
    // without end blocks, stopping at a header boundary, as Go's archive/tar reads it
    assertThat(names(Arrays.copyOf(tar, 2048))).containsExactly("a", "b");
    // trailing bytes after the end block are no header
    byte[] trailing = Arrays.copyOf(tar, tar.length + 512);
    Arrays.fill(trailing, tar.length, trailing.length, (byte) 'x');
    assertThat(names(trailing)).containsExactly("a", "b");
  }

  @Test
  void aChecksumSummedOverSignedBytesIsAccepted() throws IOException {
    byte[] tar = new TarBuilder().raw("x", new byte[0]).bytes();
    tar[0] = (byte) 0xC3; // é in UTF-8: name bytes negative when summed signed
    tar[1] = (byte) 0xA9;
    long signed = 0;
    for (int i = 0; i < 512; i++) {
      signed += (i >= 148 && i < 156) ? ' ' : tar[i];
    }
    byte[] field = String.format("%06o\0 ", signed).getBytes(UTF_8);
    System.arraycopy(field, 0, tar, 148, 8);
    assertThat(names(tar)).containsExactly("\u00e9");
  }

  /** GNU tar's old sparse format puts a long map in extension records, which have no checksum. */
  @Test
  void anOldGnuSparseMapOverExtensionRecordsIsRead() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Path f = src.resolve("f");
    sh("truncate -s 4M " + f);
    for (int i = 0; i < 12; i++) { // more data ranges than the 4 a header holds
      sh("printf data | dd of=" + f + " bs=1 seek=" + (i * 300_000) + " conv=notrunc status=none");
    }
    Path tar = dir.resolve("sparse.tar");
    sh("tar --sparse --format=gnu -C " + src + " -cf " + tar + " f");
    byte[] bytes = Files.readAllBytes(tar);
    assertThat(bytes[482]).as("the header says extension records follow").isNotZero();
    CheckedTarInputStream in =
        new CheckedTarInputStream(new ByteArrayInputStream(bytes), "tar sparse.tar");
    TarArchiveEntry e = in.nextEntry();
    assertThat(e.getName()).isEqualTo("f");
    assertThat(e.getOrderedSparseHeaders()).hasSizeGreaterThan(4);
    assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(f));
    assertThat(in.nextEntry()).isNull();
  }

  // ---- names: UTF-8 only (docs/IMAGES.md, "File names") ----

  private static final String WHY = "is not valid UTF-8 (Strata keeps file names as UTF-8)";

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1); // one byte per char
  }

  /**
   * One entry: a header (ustar, or old GNU with {@code gnu}) holding {@code name}, {@code prefix}
   * and {@code link} as given, byte for byte, then {@code content} padded to a record.
   */
  private static byte[] entry(
      byte type, byte[] name, byte[] prefix, byte[] link, byte[] content, boolean gnu) {
    byte[] h = new byte[512];
    System.arraycopy(name, 0, h, 0, name.length);
    System.arraycopy(b("0000644\0"), 0, h, 100, 8);
    System.arraycopy(b("0000000\0"), 0, h, 108, 8);
    System.arraycopy(b("0000000\0"), 0, h, 116, 8);
    System.arraycopy(b(String.format("%011o\0", content.length)), 0, h, 124, 12);
    System.arraycopy(b("00000000000\0"), 0, h, 136, 12);
    h[156] = type;
    System.arraycopy(link, 0, h, 157, link.length);
    System.arraycopy(b(gnu ? "ustar  \0" : "ustar\00000"), 0, h, 257, 8);
    if (gnu) {
      // its atime where ustar has the prefix: a base-256 number, and no UTF-8
      h[345] = (byte) 0x80;
      h[356] = (byte) 0xFE;
    } else {
      System.arraycopy(prefix, 0, h, 345, prefix.length);
    }
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte x : h) {
      sum += x & 0xff;
    }
    System.arraycopy(b(String.format("%06o\0 ", sum)), 0, h, 148, 8);
    byte[] out = Arrays.copyOf(h, 512 + (content.length + 511) / 512 * 512);
    System.arraycopy(content, 0, out, 512, content.length);
    return out;
  }

  private static byte[] file(byte[] name) {
    return entry((byte) '0', name, new byte[0], new byte[0], b("x"), false);
  }

  private static byte[] symlink(byte[] name, byte[] target) {
    return entry((byte) '2', name, new byte[0], target, new byte[0], false);
  }

  /** A GNU long name ({@code L}) or link ({@code K}) entry holding {@code value} and its NUL. */
  private static byte[] gnuLong(char type, byte[] value) {
    byte[] content = Arrays.copyOf(value, value.length + 1);
    return entry((byte) type, b("././@LongLink"), new byte[0], new byte[0], content, true);
  }

  /** A PAX header ({@code x} or global {@code g}) of {@code KEY, VALUE} pairs, values exact. */
  private static byte[] pax(char type, Object... records) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (int i = 0; i < records.length; i += 2) {
      byte[] kv = ((String) records[i] + "=").getBytes(UTF_8);
      byte[] v = (byte[]) records[i + 1];
      int body = 1 + kv.length + v.length + 1;
      int length = body + Integer.toString(body).length();
      length = body + Integer.toString(length).length();
      content.writeBytes((length + " ").getBytes(UTF_8));
      content.writeBytes(kv);
      content.writeBytes(v);
      content.write('\n');
    }
    return entry(
        (byte) type, b("PaxHeaders/f"), new byte[0], new byte[0], content.toByteArray(), false);
  }

  private static byte[] tar(byte[]... entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] e : entries) {
      out.writeBytes(e);
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static void refusedAs(byte[] tar, String message) {
    assertThatThrownBy(() -> names(tar))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage(message);
  }

  @Test
  @Timeout(30)
  void aNameThatIsNotUtf8IsRefusedWhereverTheTarPutsIt() {
    // two names that decoded with '?' for the bad byte made one file of two
    refusedAs(
        tar(file(b("./ok")), file(b("./bad\u00ff1")), file(b("./bad\u00fe1"))),
        "tar t.tar: entry \"./bad\\xff1\": the name " + WHY);
    refusedAs(
        tar(entry((byte) '0', b("f"), b("d\u00fe"), new byte[0], b("x"), false)),
        "tar t.tar: entry \"d\\xfe/f\": the name " + WHY);
    refusedAs(
        tar(gnuLong('L', b("long/caf\u00c3\u00a9/bad\u00fe1")), file(b("long/caf"))),
        "tar t.tar: entry \"long/caf\u00e9/bad\\xfe1\": the name " + WHY);
    refusedAs(
        tar(pax('x', "path", b("bad\u00ff1")), file(b("bad_1"))),
        "tar t.tar: entry \"bad\\xff1\": the name " + WHY);
    refusedAs(
        tar(pax('x', "GNU.sparse.name", b("sp\u00ff")), file(b("GNUSparseFile.0/sp"))),
        "tar t.tar: entry \"sp\\xff\": the name " + WHY);
    // a global header's path names every entry after it
    refusedAs(
        tar(pax('g', "path", b("g\u00ff")), file(b("a"))),
        "tar t.tar: entry \"g\\xff\": the name " + WHY);
    // a sequence cut short, an overlong '/', a surrogate (CESU-8), a byte past U+10FFFF
    for (String bad :
        List.of("caf\u00c3", "a\u00c0\u00afb", "\u00ed\u00a0\u0080", "\u00f5\u0080\u0080\u0080")) {
      assertThatThrownBy(() -> names(tar(file(b(bad)))))
          .as(bad)
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageEndingWith("the name " + WHY);
    }
  }

  @Test
  @Timeout(30)
  void aLinkTargetThatIsNotUtf8IsRefusedNamingItsEntry() {
    refusedAs(
        tar(symlink(b("l"), b("t\u00ff"))),
        "tar t.tar: entry \"l\": the link target \"t\\xff\" " + WHY);
    refusedAs(
        tar(entry((byte) '1', b("h"), new byte[0], b("f\u00fe"), new byte[0], false)),
        "tar t.tar: entry \"h\": the link target \"f\\xfe\" " + WHY);
    refusedAs(
        tar(gnuLong('K', b("t\u00ff\u00ff")), symlink(b("l"), b("t"))),
        "tar t.tar: entry \"l\": the link target \"t\\xff\\xff\" " + WHY);
    refusedAs(
        tar(
            pax('x', "path", b("caf\u00c3\u00a9"), "linkpath", b("\u00fe")),
            symlink(b("c"), b("t"))),
        "tar t.tar: entry \"caf\u00e9\": the link target \"\\xfe\" " + WHY);
  }

  @Test
  @Timeout(30)
  void validUtf8NamesAreKeptWhateverTheLocale() throws IOException {
    String cafe = "caf\u00c3\u00a9"; // UTF-8 bytes, one char each
    String longName = "d/" + "n".repeat(120) + "-\u00c3\u00a9t\u00c3\u00a9";
    String fffd = "real\u00ef\u00bf\u00bd"; // U+FFFD itself is valid UTF-8
    byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, '\n', '='};
    List<String> read =
        names(
            tar(
                file(b("./" + cafe)),
                file(b("\u00e6\u0097\u00a5/\u00e8\u00aa\u009e")),
                gnuLong('L', b(longName)),
                file(b("d/nnn")),
                // the ustar field a PAX path replaces may be cut inside a character: not a name
                pax('x', "path", b("x/" + cafe), "SCHILY.xattr.user.bin", binary),
                file(b("x/caf\u00c3")),
                symlink(b(fffd), b("../" + cafe)),
                // old GNU headers keep times and sparse maps where ustar has its prefix
                entry((byte) '0', b("gnu"), new byte[0], new byte[0], b("x"), true)));
    assertThat(read)
        .containsExactly(
            "./caf\u00e9",
            "\u65e5/\u8a9e",
            "d/" + "n".repeat(120) + "-\u00e9t\u00e9",
            "x/caf\u00e9",
            "real\ufffd",
            "gnu");
  }

  private static void sh(String cmd) throws Exception {
    Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), UTF_8);
    }
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(cmd).isTrue();
    assertThat(p.exitValue()).as(cmd + ": " + out).isZero();
  }
}
