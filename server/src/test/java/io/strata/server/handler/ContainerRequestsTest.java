package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.server.Tars;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container, file and volume opcodes through the dispatcher over a real engine, engine calls
 * inline: payload flows, the statuses failures get, and that a failed or cancelled change leaves
 * the container as it was.
 */
class ContainerRequestsTest {
  @TempDir Path dir;

  private DispatchedEngine d;
  private int nextStream = 1;

  @BeforeEach
  void open() throws Exception {
    d = new DispatchedEngine(dir.resolve("data"));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("etc/keep.conf", "keep\n".getBytes(StandardCharsets.UTF_8));
    files.put("data/big.bin", new byte[1 << 20]);
    int s = nextStream++;
    request(s, Opcode.IMAGE_IMPORT, "{\"tag\":\"base:1\",\"name\":\"t.tar\"}");
    assertThat(last(upload(s, Tars.of(files))).status()).isEqualTo(Status.OK);
    SentFrames.Sent created =
        call(
            Opcode.CONTAINER_CREATE,
            "{\"image\":\"base:1\",\"name\":\"c1\",\"volumes\":[\"v1:/v\"]}");
    assertThat(created.status()).as(created.body()).isEqualTo(Status.OK);
  }

  @AfterEach
  void close() throws Exception {
    d.close();
  }

  private void request(int stream, Opcode op, String args) {
    d.request(stream, op, args);
  }

  private void frame(FrameType type, int stream, byte[] payload) {
    d.frame(type, stream, payload);
  }

  private List<SentFrames.Sent> upload(int stream, byte[] data) throws Exception {
    for (int at = 0; at < data.length; at += 64 << 10) {
      frame(
          FrameType.DATA,
          stream,
          Arrays.copyOfRange(data, at, Math.min(data.length, at + (64 << 10))));
    }
    frame(FrameType.END, stream, new byte[0]);
    return d.drainUntilAnswered(stream);
  }

  private static SentFrames.Sent last(List<SentFrames.Sent> frames) {
    return frames.get(frames.size() - 1);
  }

  /** A request without a payload: its last frame. */
  private SentFrames.Sent call(Opcode op, String args) throws Exception {
    int s = nextStream++;
    request(s, op, args);
    return last(d.drainUntilAnswered(s));
  }

  private SentFrames.Sent write(String path, Long offset, byte[] data) throws Exception {
    int s = nextStream++;
    request(
        s,
        Opcode.FS_WRITE,
        "{\"container\":\"c1\",\"path\":\"" + path + "\",\"offset\":" + offset + "}");
    return last(upload(s, data));
  }

  /** The DATA of a download, which must end OK. */
  private byte[] download(Opcode op, String args) throws Exception {
    int s = nextStream++;
    request(s, op, args);
    List<SentFrames.Sent> frames = d.drainUntilAnswered(s);
    assertThat(last(frames).status()).as(last(frames).body()).isEqualTo(Status.OK);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (SentFrames.Sent f : frames) {
      if (f.type() == FrameType.DATA) {
        b.writeBytes(f.payload());
      }
    }
    return b.toByteArray();
  }

  private byte[] cat(String path) throws Exception {
    return download(Opcode.FS_READ, "{\"container\":\"c1\",\"path\":\"" + path + "\"}");
  }

  @Test
  void aWriteAtAnOffsetKeepsTheRestAndAReadTakesARange() throws Exception {
    byte[] patch = "PATCH".getBytes(StandardCharsets.UTF_8);
    SentFrames.Sent r = write("/data/big.bin", 4096L, patch);
    assertThat(r.status()).as(r.body()).isEqualTo(Status.OK);
    assertThat(r.body()).contains("\"bytes\":5").contains("\"size\":1048576");
    byte[] all = cat("/data/big.bin");
    byte[] expected = new byte[1 << 20];
    System.arraycopy(patch, 0, expected, 4096, patch.length);
    assertThat(all).isEqualTo(expected);
    assertThat(
            download(
                Opcode.FS_READ,
                "{\"container\":\"c1\",\"path\":\"/data/big.bin\",\"offset\":4094,\"length\":4}"))
        .isEqualTo(new byte[] {0, 0, 'P', 'A'});
    String diff =
        new String(
            download(Opcode.CONTAINER_DIFF, "{\"container\":\"c1\"}"), StandardCharsets.UTF_8);
    assertThat(diff).contains("{\"kind\":\"C\",\"path\":\"/data/big.bin\"}");
  }

  @Test
  void aCancelledWriteLeavesTheFileAndNoSpool() throws Exception {
    int s = nextStream++;
    request(s, Opcode.FS_WRITE, "{\"container\":\"c1\",\"path\":\"/etc/keep.conf\"}");
    frame(FrameType.DATA, s, "half of a new content".getBytes(StandardCharsets.UTF_8));
    frame(FrameType.CANCEL, s, new byte[0]);
    assertThat(last(d.drain()).status()).isEqualTo(Status.CANCELLED);
    assertThat(new String(cat("/etc/keep.conf"), StandardCharsets.UTF_8)).isEqualTo("keep\n");
    try (var left = Files.list(dir.resolve("data/tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aHostileTarIsRejectedAndNothingOfItLands() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("fine.txt", "fine".getBytes(StandardCharsets.UTF_8));
    files.put("../../escape.txt", "evil".getBytes(StandardCharsets.UTF_8));
    int s = nextStream++;
    request(s, Opcode.CONTAINER_COPY_IN, "{\"container\":\"c1\",\"path\":\"/etc\"}");
    SentFrames.Sent r = last(upload(s, Tars.of(files)));
    assertThat(r.status()).as(r.body()).isEqualTo(Status.REJECTED);
    assertThat(r.body()).contains("escape.txt");
    assertThat(call(Opcode.FS_STAT, "{\"container\":\"c1\",\"path\":\"/etc/fine.txt\"}").status())
        .isEqualTo(Status.NOT_FOUND);
    assertThat(Files.exists(dir.resolve("escape.txt"))).isFalse();
  }

  @Test
  void fileChangesAndTheirFailures() throws Exception {
    assertThat(call(Opcode.FS_CHANGE, change("mkdir", "/a/b/c", ",\"parents\":true")).status())
        .isEqualTo(Status.OK);
    assertThat(write("/a/b/c/f", null, "hello".getBytes(StandardCharsets.UTF_8)).status())
        .isEqualTo(Status.OK);
    assertThat(call(Opcode.FS_CHANGE, change("mv", "/a/b/c/f", ",\"target\":\"/a/g\"")).status())
        .isEqualTo(Status.OK);
    assertThat(
            call(Opcode.FS_CHANGE, change("ln", "/a/h", ",\"target\":\"g\",\"symbolic\":true"))
                .status())
        .isEqualTo(Status.OK);
    assertThat(call(Opcode.FS_CHANGE, change("chmod", "/a/g", ",\"mode\":384")).status())
        .isEqualTo(Status.OK);
    assertThat(call(Opcode.FS_CHANGE, change("truncate", "/a/g", ",\"size\":2")).status())
        .isEqualTo(Status.OK);
    assertThat(new String(cat("/a/g"), StandardCharsets.UTF_8)).isEqualTo("he");
    SentFrames.Sent st = call(Opcode.FS_STAT, "{\"container\":\"c1\",\"path\":\"/a/g\"}");
    assertThat(st.body())
        .contains("\"type\":\"file\"")
        .contains("\"mode\":384")
        .contains("\"size\":2");
    String ls =
        new String(
            download(Opcode.FS_LIST, "{\"container\":\"c1\",\"path\":\"/a\"}"),
            StandardCharsets.UTF_8);
    assertThat(ls).contains("\"name\":\"b\"").contains("\"linkTarget\":\"g\"");

    assertThat(call(Opcode.FS_CHANGE, change("rm", "/a", "")).status())
        .as("a directory with entries needs -r")
        .isNotEqualTo(Status.OK);
    assertThat(call(Opcode.FS_CHANGE, change("rm", "/a", ",\"recursive\":true")).status())
        .isEqualTo(Status.OK);
    assertThat(call(Opcode.FS_STAT, "{\"container\":\"c1\",\"path\":\"/a\"}").status())
        .isEqualTo(Status.NOT_FOUND);
    assertThat(call(Opcode.FS_CHANGE, change("frob", "/etc", "")).status())
        .isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(call(Opcode.FS_CHANGE, change("chmod", "/nope", ",\"mode\":420")).status())
        .isEqualTo(Status.NOT_FOUND);
    assertThat(call(Opcode.FS_STAT, "{\"container\":\"nope\",\"path\":\"/\"}").status())
        .isEqualTo(Status.NOT_FOUND);
  }

  private static String change(String op, String path, String more) {
    return "{\"container\":\"c1\",\"op\":\"" + op + "\",\"path\":\"" + path + "\"" + more + "}";
  }

  @Test
  void volumesImagesInUseAndDiskUsage() throws Exception {
    assertThat(write("/v/row", null, "row 1\n".getBytes(StandardCharsets.UTF_8)).status())
        .isEqualTo(Status.OK);
    SentFrames.Sent v = call(Opcode.VOLUME_INSPECT, "{\"name\":\"v1\"}");
    assertThat(v.body()).contains("\"inUse\":true").contains("\"size\":6");
    assertThat(Files.readString(dir.resolve("data/volumes/v1/_data/row"), StandardCharsets.UTF_8))
        .isEqualTo("row 1\n");
    assertThat(call(Opcode.VOLUME_REMOVE, "{\"name\":\"v1\"}").status()).isEqualTo(Status.CONFLICT);
    assertThat(call(Opcode.IMAGE_REMOVE, "{\"image\":\"base:1\"}").status())
        .isEqualTo(Status.CONFLICT);
    SentFrames.Sent df = call(Opcode.SYSTEM_DF, "{}");
    assertThat(df.body())
        .contains("\"containers\":{\"total\":1")
        .contains("\"volumes\":{\"total\":1,\"active\":1");

    assertThat(call(Opcode.CONTAINER_REMOVE, "{\"container\":\"c1\"}").status())
        .isEqualTo(Status.OK);
    assertThat(call(Opcode.VOLUME_INSPECT, "{\"name\":\"v1\"}").body()).contains("\"inUse\":false");
    assertThat(call(Opcode.VOLUME_CREATE, "{\"name\":\"v2\"}").status()).isEqualTo(Status.OK);
    assertThat(call(Opcode.VOLUME_PRUNE, "{}").body()).contains("\"removed\":[]");
    SentFrames.Sent pruned = call(Opcode.VOLUME_PRUNE, "{\"all\":true}");
    assertThat(pruned.body()).contains("v1").contains("v2").contains("\"bytesReclaimed\":6");
    assertThat(download(Opcode.VOLUME_LIST, "{}")).isEmpty();
    assertThat(call(Opcode.IMAGE_REMOVE, "{\"image\":\"base:1\"}").status()).isEqualTo(Status.OK);
  }

  @Test
  void exportAndCopyOutAreTars() throws Exception {
    byte[] tar = download(Opcode.CONTAINER_EXPORT, "{\"container\":\"c1\"}");
    assertThat(new String(Arrays.copyOfRange(tar, 257, 262), StandardCharsets.US_ASCII))
        .isEqualTo("ustar");
    assertThat(new String(tar, StandardCharsets.ISO_8859_1)).contains("etc/keep.conf");
    byte[] one =
        download(Opcode.CONTAINER_COPY_OUT, "{\"container\":\"c1\",\"path\":\"/etc/keep.conf\"}");
    assertThat(new String(Arrays.copyOfRange(one, 0, 9), StandardCharsets.US_ASCII))
        .isEqualTo("keep.conf");
    assertThat(
            call(Opcode.CONTAINER_COPY_OUT, "{\"container\":\"c1\",\"path\":\"/missing\"}")
                .status())
        .isEqualTo(Status.NOT_FOUND);
  }
}
