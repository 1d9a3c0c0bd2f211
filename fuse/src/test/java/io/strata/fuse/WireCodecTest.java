package io.strata.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.fs.FileStat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request decoder and reply encoder against the layouts of the kernel's fuse.h. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WireCodecTest {
  private static ByteBuffer request(int opcode, long unique, long node, byte[] body) {
    ByteBuffer b = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
    b.putInt(Wire.IN_HEADER + body.length).putInt(opcode).putLong(unique).putLong(node);
    b.putInt(1000).putInt(1001).putInt(4242).putShort((short) 0).putShort((short) 0);
    b.put(body);
    return b;
  }

  @Test
  void aRequestsHeaderFieldsAndStringsDecode() {
    ByteBuffer body = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
    body.putLong(77).putInt(Wire.RENAME_NOREPLACE).putInt(0);
    body.put("old\0new-name\0".getBytes(StandardCharsets.UTF_8));
    byte[] b = new byte[body.position()];
    body.flip().get(b);
    ByteBuffer buf = request(Wire.RENAME2, 9_000_000_001L, 5, b);
    FuseRequest q = new FuseRequest(buf);
    assertThat(q.decode(Wire.IN_HEADER + b.length)).isTrue();
    assertThat(q.opcode).isEqualTo(Wire.RENAME2);
    assertThat(q.unique).isEqualTo(9_000_000_001L);
    assertThat(q.nodeId).isEqualTo(5);
    assertThat(q.uid).isEqualTo(1000);
    assertThat(q.gid).isEqualTo(1001);
    assertThat(q.pid).isEqualTo(4242);
    assertThat(q.u64()).isEqualTo(77);
    assertThat(q.u32()).isEqualTo(Wire.RENAME_NOREPLACE);
    q.skip(4);
    assertThat(q.string()).isEqualTo("old");
    assertThat(q.string()).isEqualTo("new-name");
    assertThat(q.decode(Wire.IN_HEADER - 1)).as("shorter than a header").isFalse();
  }

  /** A16: {@code bad\xff1} and {@code bad\xfe1} decoded alike, so a mount made them one file. */
  @Test
  void aNameThatIsNotUtf8IsRefusedWithEilseq() {
    byte[] body = {'b', 'a', 'd', (byte) 0xff, '1', 0, 'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9, 0};
    FuseRequest q = new FuseRequest(request(Wire.LOOKUP, 1, 1, body));
    q.decode(Wire.IN_HEADER + body.length);
    assertThatThrownBy(q::string)
        .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.errno()).isEqualTo(Errno.EILSEQ));
    assertThat(q.string()).isEqualTo("caf\u00e9");
  }

  @Test
  void aStringNeverReadsPastTheRequest() {
    byte[] body = "unterminated".getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = request(Wire.LOOKUP, 1, 1, body);
    buf.put("garbage\0".getBytes(StandardCharsets.UTF_8)); // beyond the request's length
    FuseRequest q = new FuseRequest(buf);
    q.decode(Wire.IN_HEADER + body.length);
    assertThat(q.string()).isEqualTo("unterminated");
    assertThat(q.bytes(100)).isEmpty();
  }

  private static final FileStat FILE =
      new FileStat(
          12345,
          FileStat.S_IFREG | 0640,
          1000,
          100,
          2,
          1_000_001,
          1_500_000_000_123_456_789L,
          1_600_000_000_000_000_001L,
          1_700_000_000_999_999_999L,
          null);

  @Test
  void anAttributeIsTheKernelsStructFuseAttr() {
    FuseReply r = new FuseReply(ByteBuffer.allocate(256));
    r.ok(99).attr(FILE, 4096).done();
    ByteBuffer b = r.buf;
    assertThat(b.getInt(0)).isEqualTo(Wire.OUT_HEADER + Wire.ATTR);
    assertThat(b.getInt(4)).isZero();
    assertThat(b.getLong(8)).isEqualTo(99);
    int a = Wire.OUT_HEADER;
    assertThat(b.getLong(a)).as("ino").isEqualTo(12345);
    assertThat(b.getLong(a + 8)).as("size").isEqualTo(1_000_001);
    assertThat(b.getLong(a + 16)).as("512-byte blocks").isEqualTo(1954);
    assertThat(b.getLong(a + 24)).as("atime").isEqualTo(1_600_000_000L);
    assertThat(b.getLong(a + 32)).as("mtime").isEqualTo(1_500_000_000L);
    assertThat(b.getLong(a + 40)).as("ctime").isEqualTo(1_700_000_000L);
    assertThat(b.getInt(a + 48)).as("atimensec").isEqualTo(1);
    assertThat(b.getInt(a + 52)).as("mtimensec").isEqualTo(123_456_789);
    assertThat(b.getInt(a + 56)).as("ctimensec").isEqualTo(999_999_999);
    assertThat(b.getInt(a + 60)).as("mode").isEqualTo(FileStat.S_IFREG | 0640);
    assertThat(b.getInt(a + 64)).as("nlink").isEqualTo(2);
    assertThat(b.getInt(a + 68)).as("uid").isEqualTo(1000);
    assertThat(b.getInt(a + 72)).as("gid").isEqualTo(100);
    assertThat(b.getInt(a + 84)).as("flags").isZero();
    assertThat(b.getInt(a + 80)).as("blksize").isEqualTo(4096);
  }

  @Test
  void anEntrySplitsItsTimeoutsIntoSecondsAndNanoseconds() {
    FuseReply r = new FuseReply(ByteBuffer.allocate(256));
    r.ok(1).entry(42, FILE, 1_500, 250, 4096).done();
    ByteBuffer b = r.buf;
    int e = Wire.OUT_HEADER;
    assertThat(b.getInt(0)).isEqualTo(Wire.OUT_HEADER + Wire.ENTRY_OUT);
    assertThat(b.getLong(e)).as("nodeid").isEqualTo(42);
    assertThat(b.getLong(e + 8)).as("generation").isZero();
    assertThat(b.getLong(e + 16)).as("entry_valid").isEqualTo(1);
    assertThat(b.getLong(e + 24)).as("attr_valid").isZero();
    assertThat(b.getInt(e + 32)).as("entry_valid_nsec").isEqualTo(500_000_000);
    assertThat(b.getInt(e + 36)).as("attr_valid_nsec").isEqualTo(250_000_000);
    assertThat(b.getLong(e + 40)).as("attr.ino").isEqualTo(12345);

    // A cached absence: node 0, zero attributes.
    r.ok(2).entry(0, null, 1000, 0, 4096).done();
    assertThat(r.buf.getLong(Wire.OUT_HEADER)).isZero();
    assertThat(r.buf.getLong(Wire.OUT_HEADER + 16)).isEqualTo(1);
    assertThat(r.buf.getInt(0)).isEqualTo(Wire.OUT_HEADER + Wire.ENTRY_OUT);
  }

  @Test
  void anErrorIsANegatedNumberInTheHeaderAlone() {
    FuseReply r = new FuseReply(ByteBuffer.allocate(64));
    r.error(7, Errno.ENOENT);
    assertThat(r.buf.position()).isEqualTo(Wire.OUT_HEADER);
    assertThat(r.buf.getInt(0)).isEqualTo(Wire.OUT_HEADER);
    assertThat(r.buf.getInt(4)).isEqualTo(-Errno.ENOENT);
    assertThat(r.buf.getLong(8)).isEqualTo(7);
  }

  @Test
  void direntsArePaddedToEightBytesAndStopAtTheLimit() {
    FuseReply r = new FuseReply(ByteBuffer.allocate(256));
    r.ok(1);
    byte[] name = "abc".getBytes(StandardCharsets.UTF_8);
    assertThat(r.dirent(name, 9, FileStat.S_IFLNK | 0777, 3, 256)).isTrue();
    ByteBuffer b = r.buf;
    int d = Wire.OUT_HEADER;
    assertThat(b.position() - d).isEqualTo(32); // 24 + 3, padded to 32
    assertThat(b.getLong(d)).isEqualTo(9);
    assertThat(b.getLong(d + 8)).as("next offset").isEqualTo(3);
    assertThat(b.getInt(d + 16)).as("namelen").isEqualTo(3);
    assertThat(b.getInt(d + 20)).as("DT_LNK").isEqualTo(10);
    assertThat(b.get(d + 24)).isEqualTo((byte) 'a');
    assertThat(b.get(d + 27)).isZero();
    int before = b.position();
    assertThat(r.dirent(name, 10, FileStat.S_IFREG, 4, before + 31)).isFalse();
    assertThat(b.position()).as("nothing written").isEqualTo(before);
  }

  @Test
  void deviceNumbersTravelInTheKernelsEncoding() {
    long glibc = FileStat.makedev(511, 70000);
    int kernel = FuseReply.encodeDev(glibc);
    // new_encode_dev: minor's low byte, then major, then the rest of minor from bit 20.
    assertThat(kernel).isEqualTo((70000 & 0xFF) | (511 << 8) | ((70000 & ~0xFF) << 12));
    assertThat(FuseReply.decodeDev(kernel)).isEqualTo(glibc);
    assertThat(FuseReply.decodeDev(FuseReply.encodeDev(FileStat.makedev(8, 1))))
        .isEqualTo(FileStat.makedev(8, 1));
  }
}
