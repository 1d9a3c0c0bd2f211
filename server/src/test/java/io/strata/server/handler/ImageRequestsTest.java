package io.strata.server.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.server.Tars;
import io.strata.server.op.Operations;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image opcodes through the dispatcher over a real engine, engine calls inline: how each
 * payload flows (upload, download, exchange) and which status each failure gets.
 */
class ImageRequestsTest {
  @TempDir Path dir;

  private DispatchedEngine d;

  @BeforeEach
  void open() throws Exception {
    d = new DispatchedEngine(dir);
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

  /** Sends {@code data} as the upload of {@code stream} (in two DATA frames) and its END. */
  private List<SentFrames.Sent> upload(int stream, byte[] data) throws Exception {
    int half = data.length / 2;
    frame(FrameType.DATA, stream, java.util.Arrays.copyOfRange(data, 0, half));
    frame(FrameType.DATA, stream, java.util.Arrays.copyOfRange(data, half, data.length));
    frame(FrameType.END, stream, new byte[0]);
    return d.drainUntilAnswered(stream);
  }

  private static SentFrames.Sent last(List<SentFrames.Sent> frames) {
    return frames.get(frames.size() - 1);
  }

  private static String data(List<SentFrames.Sent> frames) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (SentFrames.Sent s : frames) {
      if (s.type() == FrameType.DATA) {
        b.writeBytes(s.payload());
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private String importTar(int stream, String tag, byte[] tar) throws Exception {
    request(stream, Opcode.IMAGE_IMPORT, "{\"tag\":\"" + tag + "\",\"name\":\"t.tar\"}");
    SentFrames.Sent r = last(upload(stream, tar));
    assertThat(r.status()).as(r.body()).isEqualTo(Status.OK);
    return r.body();
  }

  @Test
  void anEmptyImageListIsJustItsEnd() throws Exception {
    // REQUEST, stream 3, opcode 0203 image.ls, args {}
    d.raw(java.util.HexFormat.of().parseHex("00000009" + "10" + "00000003" + "0203" + "7b7d"));
    List<SentFrames.Sent> out = d.drain();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).status()).isEqualTo(Status.OK);
    assertThat(out.get(0).body()).isEqualTo("{\"count\":0}");
  }

  @Test
  void importThenListInspectHistoryTagRemoveAndDiskUsage() throws Exception {
    String reply = importTar(1, "app:1", Tars.of("etc/hello.txt", "hello\n"));
    assertThat(reply).contains("\"tags\":[\"app:1\"]").contains("\"diffId\":\"sha256:");

    request(2, Opcode.IMAGE_LIST, "{}");
    List<SentFrames.Sent> ls = d.drain();
    assertThat(data(ls)).contains("\"repository\":\"app\"").contains("\"tag\":\"1\"");
    assertThat(last(ls).body()).isEqualTo("{\"count\":1}");

    request(3, Opcode.IMAGE_INSPECT, "{\"image\":\"app:1\"}");
    SentFrames.Sent inspect = d.drain().get(0);
    assertThat(inspect.body()).contains("\"repoTags\":[\"app:1\"]").contains("\"config\":{");

    request(4, Opcode.IMAGE_HISTORY, "{\"image\":\"app:1\"}");
    List<SentFrames.Sent> history = d.drain();
    assertThat(data(history)).contains("\"createdBy\":\"strata image import\"");

    request(5, Opcode.IMAGE_TAG, "{\"source\":\"app:1\",\"target\":\"other\"}");
    assertThat(d.drain().get(0).body()).contains("\"tag\":\"other:latest\"");

    request(6, Opcode.SYSTEM_DF, "{}");
    SentFrames.Sent df = d.drain().get(0);
    assertThat(df.body()).contains("\"images\":{\"total\":1,\"active\":0");

    request(7, Opcode.IMAGE_REMOVE, "{\"image\":\"app:1\"}");
    assertThat(d.drain().get(0).body()).isEqualTo("{\"untagged\":[\"app:1\"],\"deleted\":[]}");
    request(8, Opcode.IMAGE_REMOVE, "{\"image\":\"other\"}");
    assertThat(d.drain().get(0).body()).contains("\"deleted\":[\"sha256:");
  }

  @Test
  void exportStreamsATarAndCountsIt() throws Exception {
    importTar(1, "app:1", Tars.of("a.txt", "a\n"));
    request(2, Opcode.IMAGE_EXPORT, "{\"image\":\"app:1\",\"format\":\"docker-archive\"}");
    List<SentFrames.Sent> out = d.drainUntilAnswered(2);
    long sum =
        out.stream()
            .filter(s -> s.type() == FrameType.DATA)
            .mapToLong(s -> s.payload().length)
            .sum();
    assertThat(sum).isPositive();
    assertThat(last(out).status()).isEqualTo(Status.OK);
    assertThat(last(out).body()).isEqualTo("{\"bytes\":" + sum + "}");
    assertThat(data(out)).contains("manifest.json");
  }

  @Test
  void buildIsAnExchangeWhoseLogFollowsTheUpload() throws Exception {
    request(
        1,
        Opcode.IMAGE_BUILD,
        "{\"dockerfile\":\"FROM scratch\\nCOPY a.txt /a.txt\\n\",\"tags\":[\"b:1\"]}");
    byte[] context = Tars.of("a.txt", "built\n");
    frame(FrameType.DATA, 1, context);
    assertThat(d.drain()).as("no output before the upload's END").isEmpty();
    frame(FrameType.END, 1, new byte[0]);
    List<SentFrames.Sent> out = d.drainUntilAnswered(1);
    assertThat(data(out))
        .contains("Step 1/2 : FROM scratch")
        .contains("Step 2/2 : COPY a.txt /a.txt")
        .contains("Successfully tagged b:1");
    assertThat(last(out).type()).isEqualTo(FrameType.RESPONSE);
    assertThat(last(out).status()).isEqualTo(Status.OK);
    assertThat(last(out).body()).contains("\"tags\":[\"b:1\"]");
  }

  @Test
  void contentTheEngineRefusesIsRejectedAndLeavesNothing() throws Exception {
    Map<String, byte[]> evil = new LinkedHashMap<>();
    evil.put("ok.txt", new byte[] {'x'});
    evil.put("../../escaped.txt", new byte[] {'x'});
    request(1, Opcode.IMAGE_IMPORT, "{\"tag\":\"evil:1\"}");
    SentFrames.Sent r = last(upload(1, Tars.of(evil)));
    assertThat(r.status()).isEqualTo(Status.REJECTED);
    assertThat(r.body()).contains("escaped.txt");

    request(
        2, Opcode.IMAGE_BUILD, "{\"dockerfile\":\"FROM scratch\\nRUN echo hi\\n\",\"tags\":[]}");
    SentFrames.Sent run = last(upload(2, Tars.of("a.txt", "a")));
    assertThat(run.status()).isEqualTo(Status.REJECTED);
    assertThat(run.body()).contains("RUN");

    request(3, Opcode.IMAGE_LIST, "{}");
    assertThat(last(d.drain()).body()).isEqualTo("{\"count\":0}");
    try (Stream<Path> left = Files.list(dir.resolve("tmp"))) {
      assertThat(left).as("spooled uploads are deleted").isEmpty();
    }
  }

  @Test
  void malformedArgumentsAreInvalidAndUnknownImagesNotFound() throws Exception {
    request(1, Opcode.IMAGE_IMPORT, "{\"tag\":\"Not A Tag\"}");
    request(2, Opcode.IMAGE_EXPORT, "{\"image\":\"x:1\",\"format\":\"zip\"}");
    request(3, Opcode.IMAGE_INSPECT, "{}");
    request(4, Opcode.IMAGE_INSPECT, "{\"image\":\"nosuch:1\"}");
    request(5, Opcode.IMAGE_REMOVE, "{\"image\":\"nosuch:1\"}");
    request(6, Opcode.IMAGE_EXPORT, "{\"image\":\"nosuch:1\"}");
    request(7, Opcode.IMAGE_HISTORY, "{\"image\":\"nosuch:1\"}");
    List<SentFrames.Sent> out = d.drain();
    assertThat(out).hasSize(7);
    assertThat(out.get(0).status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(out.get(1).status()).isEqualTo(Status.INVALID_ARGUMENT);
    assertThat(out.get(1).body()).contains("format zip is unknown");
    assertThat(out.get(2).body()).contains("the argument image is missing");
    for (SentFrames.Sent s : out.subList(3, 7)) {
      assertThat(s.status()).isEqualTo(Status.NOT_FOUND);
      assertThat(s.body()).contains("nosuch:1");
    }
  }

  @Test
  void aCancelledImportKeepsNothing() throws Exception {
    request(1, Opcode.IMAGE_IMPORT, "{\"tag\":\"c:1\"}");
    frame(FrameType.DATA, 1, Tars.of("a.txt", "a"));
    frame(FrameType.CANCEL, 1, new byte[0]);
    assertThat(d.drain().get(0).status()).isEqualTo(Status.CANCELLED);
    request(2, Opcode.IMAGE_LIST, "{}");
    assertThat(last(d.drain()).body()).isEqualTo("{\"count\":0}");
    try (Stream<Path> left = Files.list(dir.resolve("tmp"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void uploadsAnAbruptStopLeftAreRemovedAtStart() throws Exception {
    Path left = Files.createDirectories(dir.resolve("tmp/upload-123"));
    Files.write(left.resolve("base.tar"), new byte[100]);
    Operations.over(d.engine(), r -> {}, List.of()).shutdown(Duration.ofSeconds(5));
    assertThat(left).doesNotExist();
  }
}
