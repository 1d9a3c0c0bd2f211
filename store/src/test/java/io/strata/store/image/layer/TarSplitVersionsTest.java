package io.strata.store.image.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.engine.ObjectWriter;
import io.strata.store.engine.Recipe;
import io.strata.store.engine.WriteSession;
import io.strata.store.error.CorruptDataException;
import io.strata.store.image.ImageFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version 3 tar-splits (runs of zeros as their length) against version 1 (every byte), written from
 * the same random segments and file records by a seeded generator: both read back to the segments'
 * exact bytes and the same file records, and version 3 is the smaller.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TarSplitVersionsTest {
  @TempDir Path dir;
  ImageFixture fix;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  /** What a reader gives back: every segment byte in order, and the file records. */
  private record Read(byte[] segments, List<String> files, long size) {}

  private Read read(Recipe split, int version) throws IOException {
    ByteArrayOutputStream segments = new ByteArrayOutputStream();
    List<String> files = new ArrayList<>();
    try (TarSplitReader r = new TarSplitReader(fix.chunks(), split, "split")) {
      assertThat(r.version()).isEqualTo(version);
      TarSplitReader.Kind k;
      while ((k = r.next()) != TarSplitReader.Kind.END) {
        if (k == TarSplitReader.Kind.SEGMENT) {
          segments.write(r.segmentBytes().readNBytes((int) r.size()));
        } else {
          files.add(r.fileNumber() + " " + r.path() + " " + r.offset() + " " + r.size());
        }
      }
    }
    return new Read(segments.toByteArray(), files, split.size());
  }

  @Test
  void randomSplitsReadTheSameFromBothVersions() throws IOException {
    for (int seed = 1; seed <= 30; seed++) {
      Random r = new Random(seed);
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      try (WriteSession s = fix.chunks().session()) {
        TarSplitWriter v1 = new TarSplitWriter(s.newObject(), null, 1);
        TarSplitWriter v3 = new TarSplitWriter(s.newObject());
        List<String> files = new ArrayList<>();
        int records = 1 + r.nextInt(40);
        for (int i = 0; i < records; i++) {
          if (r.nextInt(3) == 0) {
            String path = "/f" + i;
            long size = r.nextInt(1 << 20);
            if (r.nextBoolean()) {
              v1.file(path, size);
              v3.file(path, size);
              files.add(files.size() + " " + path + " 0 " + size);
            } else {
              long offset = r.nextInt(1 << 20);
              v1.range(path, offset, size);
              v3.range(path, offset, size);
              files.add(files.size() + " " + path + " " + offset + " " + size);
            }
          } else {
            byte[] seg = segment(r);
            expected.writeBytes(seg);
            // in pieces, as a parser reads them: runs of zeros cross the calls
            for (int at = 0; at < seg.length; ) {
              int n = Math.min(seg.length - at, 1 + r.nextInt(700));
              v1.segment(seg, at, n);
              v3.segment(seg, at, n);
              at += n;
            }
          }
        }
        ObjectWriter.Written w1 = v1.finish();
        ObjectWriter.Written w3 = v3.finish();
        Read one = read(w1.recipe(), 1);
        Read three = read(w3.recipe(), 3);
        assertThat(one.segments()).as("seed %d", seed).isEqualTo(expected.toByteArray());
        assertThat(three.segments()).as("seed %d", seed).isEqualTo(expected.toByteArray());
        assertThat(one.files()).isEqualTo(files);
        assertThat(three.files()).isEqualTo(files);
        assertThat(v3.tarSize()).isEqualTo(v1.tarSize());
        assertThat(three.size()).isLessThanOrEqualTo(one.size());
      }
    }
  }

  /** Header-like bytes: text and numbers between runs of zeros of every length, up to 600 KiB. */
  private static byte[] segment(Random r) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int parts = 1 + r.nextInt(r.nextInt(10) == 0 ? 2000 : 30);
    for (int i = 0; i < parts; i++) {
      if (r.nextBoolean()) {
        b.writeBytes(new byte[r.nextInt(r.nextInt(8) == 0 ? 20_000 : 100)]);
      } else {
        byte[] text = ("name-" + r.nextInt() + "0000644").getBytes(StandardCharsets.US_ASCII);
        b.write(text, 0, 1 + r.nextInt(text.length));
      }
    }
    return b.toByteArray();
  }

  @Test
  void aZeroRunInAnotherVersionIsRefusedNamingTheLayer() throws IOException {
    try (WriteSession s = fix.chunks().session()) {
      ObjectWriter w = s.newObject();
      byte[] b = "STRSPLT1Z\0\0\2\0".getBytes(StandardCharsets.US_ASCII);
      w.write(b, 0, b.length);
      Recipe v1WithZeros = w.finish().recipe();
      assertThatThrownBy(() -> new TarSplitReader(fix.chunks(), v1WithZeros, "layer L").next())
          .isInstanceOf(CorruptDataException.class)
          .hasMessage("layer L: its version 1 tar-split has a version 3 record");
    }
  }
}
