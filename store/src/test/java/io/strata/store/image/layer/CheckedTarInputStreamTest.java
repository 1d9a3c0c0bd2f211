package io.strata.store.image.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import io.strata.store.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
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

  private static byte[] twoFiles() throws IOException {
    return new TarBuilder().file("a", "1").file("b", "2").bytes();
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
    tar[0] = (byte) 0xE9; // a Latin-1 name byte, negative when summed signed
    long signed = 0;
    for (int i = 0; i < 512; i++) {
      signed += (i >= 148 && i < 156) ? ' ' : tar[i];
    }
    byte[] field = String.format("%06o\0 ", signed).getBytes(UTF_8);
    System.arraycopy(field, 0, tar, 148, 8);
    assertThat(names(tar)).hasSize(1);
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
