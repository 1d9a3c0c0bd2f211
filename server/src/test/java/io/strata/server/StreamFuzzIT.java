package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.FrameType;
import io.strata.protocol.Opcode;
import io.strata.protocol.Status;
import io.strata.protocol.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated protocol traffic beyond single frames, against a real server: uploads cut into DATA
 * frames of every size (0 and 1 included), requests pipelined on one connection, CANCEL and END in
 * every order, and arguments of every wrong JSON type. Each answer is checked against what the
 * protocol document says, and a bystander client must be served throughout. The seed comes from
 * {@code -Dstrata.test.seed} or the clock, and every assertion message names it.
 */
@Timeout(300)
class StreamFuzzIT {
  private final long seed = Long.getLong("strata.test.seed", System.nanoTime());
  private final Random rnd = new Random(seed);

  @TempDir Path dir;

  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(dir.resolve("data"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RawPeer peer() throws IOException {
    return new RawPeer(server.address()).handshake(null);
  }

  /** A request's answer: its DATA, concatenated, and its RESPONSE. */
  private record Answer(byte[] data, RawPeer.Received response) {
    Status status() throws IOException {
      return response.status();
    }
  }

  /**
   * Reads until every stream of {@code streams} was answered; fails on a second RESPONSE for one of
   * them, or on a RESPONSE on stream 0. The peer's socket timeout bounds each read.
   */
  private Map<Integer, Answer> answers(RawPeer peer, List<Integer> streams, String why)
      throws IOException {
    Map<Integer, ByteArrayOutputStream> data = new HashMap<>();
    Map<Integer, Answer> out = new LinkedHashMap<>();
    while (!out.keySet().containsAll(streams)) {
      RawPeer.Received r = peer.read();
      assertThat(r.stream()).as(why + ": a frame on stream 0: " + r.type()).isNotZero();
      if (r.type() == FrameType.DATA) {
        data.computeIfAbsent(r.stream(), k -> new ByteArrayOutputStream()).writeBytes(r.payload());
      } else {
        assertThat(r.type()).as(why).isEqualTo(FrameType.RESPONSE);
        assertThat(out)
            .as(why + ": a second RESPONSE on stream " + r.stream())
            .doesNotContainKey(r.stream());
        ByteArrayOutputStream d = data.remove(r.stream());
        out.put(r.stream(), new Answer(d == null ? new byte[0] : d.toByteArray(), r));
      }
    }
    return out;
  }

  private Answer answer(RawPeer peer, int stream, String why) throws IOException {
    return answers(peer, List.of(stream), why).get(stream);
  }

  /** A frame size: 0, 1, small, around the suggested 64 KiB, or anything up to the maximum. */
  private int frameSize() {
    return switch (rnd.nextInt(6)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> rnd.nextInt(300);
      case 3 -> Wire.DATA_CHUNK + rnd.nextInt(3) - 1;
      case 4 -> rnd.nextInt(Wire.DATA_CHUNK * 3);
      default -> rnd.nextInt(Wire.MAX_PAYLOAD + 1);
    };
  }

  /** Sends {@code content} on {@code stream} in frames of the given sizes (0 and 1 included). */
  private static void sendData(RawPeer peer, int stream, byte[] content, List<Integer> sizes)
      throws IOException {
    int at = 0;
    for (int n : sizes) {
      peer.frame(FrameType.DATA, stream, java.util.Arrays.copyOfRange(content, at, at + n));
      at += n;
    }
  }

  /** Frame sizes that add up to {@code total}, with zero- and one-byte frames among them. */
  private List<Integer> cut(int total) {
    List<Integer> sizes = new ArrayList<>();
    int left = total;
    while (left > 0) {
      int n = Math.min(left, frameSize());
      sizes.add(n);
      left -= n;
    }
    if (rnd.nextBoolean()) {
      sizes.add(rnd.nextInt(sizes.size() + 1), 0);
    }
    return sizes;
  }

  private void bystanderIsServed(String why) throws Exception {
    try (StrataClient c = server.client()) {
      byte[] b = TestData.random(rnd.nextLong(), 1 + rnd.nextInt(1000));
      String d =
          c.put(new ByteArrayInputStream(b), (long) b.length, TransferListener.NONE).digest();
      ByteArrayOutputStream back = new ByteArrayOutputStream();
      c.get(d, 0, -1, back, TransferListener.NONE);
      assertThat(back.toByteArray()).as(why).isEqualTo(b);
    }
  }

  @Test
  void uploadsCutIntoFramesOfAnySizeStoreTheirConcatenation() throws Exception {
    try (RawPeer peer = peer()) {
      for (int round = 0; round < 25; round++) {
        List<Integer> sizes = cut(rnd.nextInt(5) == 0 ? rnd.nextInt(3) : rnd.nextInt(3 << 20));
        if (round % 3 == 0) {
          // the first frames that used to break an upload: 0 or 1 bytes, then anything
          sizes.add(0, round % 2);
        }
        byte[] content =
            TestData.random(rnd.nextLong(), sizes.stream().mapToInt(Integer::intValue).sum());
        String why = "seed " + seed + ", round " + round + ", frame sizes " + sizes;
        int stream = 1 + round;
        peer.request(stream, Opcode.BLOB_PUT, "{\"size\":" + content.length + "}");
        sendData(peer, stream, content, sizes);
        peer.frame(FrameType.END, stream, new byte[0]);
        Answer put = answer(peer, stream, why);
        assertThat(put.status()).as(why + ": " + put.response().body()).isEqualTo(Status.OK);
        String digest = TestData.sha256(content);
        assertThat(put.response().body()).as(why).contains(digest);

        int get = 1000 + round;
        peer.request(get, Opcode.BLOB_GET, "{\"digest\":\"" + digest + "\"}");
        Answer back = answer(peer, get, why);
        assertThat(back.status()).as(why).isEqualTo(Status.OK);
        assertThat(back.data()).as(why).isEqualTo(content);
      }
    }
    bystanderIsServed("seed " + seed);
  }

  @Test
  void emptyFirstFramesOnManyStreamsLeaveTheServerAnswering() throws Exception {
    // More streams than the default engine threads: each used to pin one at 100% forever.
    int streams = Math.max(8, 4 * Runtime.getRuntime().availableProcessors()) + 2;
    byte[] content = TestData.random(seed, 100_000);
    try (RawPeer a = peer();
        RawPeer b = peer()) {
      for (int i = 1; i <= streams; i++) {
        RawPeer p = i <= Wire.MAX_STREAMS ? a : b;
        p.request(i, Opcode.BLOB_PUT, "{}");
        p.frame(FrameType.DATA, i, new byte[0]);
        p.frame(FrameType.DATA, i, content);
      }
      bystanderIsServed("seed " + seed);
      List<Integer> onA = new ArrayList<>();
      List<Integer> onB = new ArrayList<>();
      for (int i = 1; i <= streams; i++) {
        (i <= Wire.MAX_STREAMS ? a : b).frame(FrameType.END, i, new byte[0]);
        (i <= Wire.MAX_STREAMS ? onA : onB).add(i);
      }
      String digest = TestData.sha256(content);
      for (Answer x : answers(a, onA, "seed " + seed).values()) {
        assertThat(x.status()).isEqualTo(Status.OK);
        assertThat(x.response().body()).contains(digest);
      }
      for (Answer x : answers(b, onB, "seed " + seed).values()) {
        assertThat(x.status()).isEqualTo(Status.OK);
      }
    }
  }

  @Test
  void pipelinedRequestsAreEachAnsweredOnce() throws Exception {
    byte[] known = TestData.random(seed, 200_000);
    String knownDigest;
    try (StrataClient c = server.client()) {
      knownDigest =
          c.put(new ByteArrayInputStream(known), (long) known.length, TransferListener.NONE)
              .digest();
    }
    try (RawPeer peer = peer()) {
      int next = 1;
      for (int round = 0; round < 10; round++) {
        String why = "seed " + seed + ", round " + round;
        int n = 1 + rnd.nextInt(Wire.MAX_STREAMS);
        Map<Integer, byte[]> uploads = new HashMap<>();
        Map<Integer, Opcode> ops = new HashMap<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int id = next++;
          ids.add(id);
          switch (rnd.nextInt(4)) {
            case 0 -> {
              ops.put(id, Opcode.BLOB_PUT);
              uploads.put(id, TestData.random(rnd.nextLong(), rnd.nextInt(300_000)));
              peer.request(id, Opcode.BLOB_PUT, "{}");
            }
            case 1 -> {
              ops.put(id, Opcode.BLOB_GET);
              peer.request(id, Opcode.BLOB_GET, "{\"digest\":\"" + knownDigest + "\"}");
            }
            case 2 -> {
              ops.put(id, Opcode.BLOB_STAT);
              peer.request(id, Opcode.BLOB_STAT, "{\"digest\":\"" + knownDigest + "\"}");
            }
            default -> {
              ops.put(id, Opcode.INFO);
              peer.request(id, Opcode.INFO, "{}");
            }
          }
        }
        // the uploads' frames interleave across their streams
        Map<Integer, List<Integer>> cuts = new HashMap<>();
        Map<Integer, Integer> sent = new HashMap<>();
        for (Map.Entry<Integer, byte[]> u : uploads.entrySet()) {
          cuts.put(u.getKey(), new ArrayList<>(cut(u.getValue().length)));
          sent.put(u.getKey(), 0);
        }
        while (!cuts.isEmpty()) {
          List<Integer> open = new ArrayList<>(cuts.keySet());
          int id = open.get(rnd.nextInt(open.size()));
          List<Integer> left = cuts.get(id);
          if (left.isEmpty()) {
            peer.frame(FrameType.END, id, new byte[0]);
            cuts.remove(id);
            continue;
          }
          int size = left.remove(0);
          int at = sent.get(id);
          peer.frame(
              FrameType.DATA, id, java.util.Arrays.copyOfRange(uploads.get(id), at, at + size));
          sent.put(id, at + size);
        }
        Map<Integer, Answer> got = answers(peer, ids, why);
        for (int id : ids) {
          Answer a = got.get(id);
          String what = why + ", stream " + id + " " + ops.get(id);
          assertThat(a.status()).as(what + ": " + a.response().body()).isEqualTo(Status.OK);
          switch (ops.get(id)) {
            case BLOB_PUT ->
                assertThat(a.response().body()).as(what).contains(TestData.sha256(uploads.get(id)));
            case BLOB_GET -> assertThat(a.data()).as(what).isEqualTo(known);
            case BLOB_STAT ->
                assertThat(a.response().body()).as(what).contains("\"size\":" + known.length);
            default -> assertThat(a.response().body()).as(what).contains("\"driver\"");
          }
        }
      }
    }
    bystanderIsServed("seed " + seed);
  }

  /** What the client sends after the REQUEST of an upload. */
  private enum Step {
    DATA,
    END,
    CANCEL
  }

  @Test
  void cancelEndAndDataInAnyOrderGetExactlyOneResponse() throws Exception {
    try (RawPeer peer = peer()) {
      for (int round = 0; round < 200; round++) {
        // Steps in any order, except those the document calls a protocol error: DATA or a second
        // END after the client's own END, with no CANCEL before them.
        List<Step> steps = new ArrayList<>();
        boolean ended = false;
        boolean cancelled = false;
        int n = 1 + rnd.nextInt(7);
        while (steps.size() < n) {
          Step s = Step.values()[rnd.nextInt(3)];
          if (ended && !cancelled && s != Step.CANCEL) {
            continue;
          }
          steps.add(s);
          ended |= s == Step.END;
          cancelled |= s == Step.CANCEL;
        }
        if (!ended && !cancelled) {
          steps.add(rnd.nextBoolean() ? Step.END : Step.CANCEL);
        }
        int stream = 1 + round;
        String why = "seed " + seed + ", round " + round + ", steps " + steps;
        // a size no other round uses, so a stored object names its round
        byte[] piece = TestData.random(seed + round, 1 + rnd.nextInt(5000));
        peer.request(stream, Opcode.BLOB_PUT, "{}");
        ByteArrayOutputStream before = new ByteArrayOutputStream();
        boolean cancelFirst = false;
        boolean seenEnd = false;
        for (Step s : steps) {
          switch (s) {
            case DATA -> {
              peer.frame(FrameType.DATA, stream, piece);
              if (!seenEnd && !cancelFirst) {
                before.writeBytes(piece);
              }
            }
            case END -> {
              peer.frame(FrameType.END, stream, new byte[0]);
              seenEnd = true;
            }
            case CANCEL -> {
              peer.frame(FrameType.CANCEL, stream, new byte[0]);
              cancelFirst |= !seenEnd;
            }
          }
        }
        Answer a = answer(peer, stream, why);
        if (cancelFirst) {
          assertThat(a.status()).as(why).isEqualTo(Status.CANCELLED);
        } else {
          // END came first; a CANCEL after it wins only if it reached the engine before the
          // commit did, which the client cannot know: either answer is right, but only one.
          assertThat(a.status()).as(why).isIn(Status.OK, Status.CANCELLED);
          if (a.status() == Status.OK) {
            assertThat(a.response().body()).as(why).contains(TestData.sha256(before.toByteArray()));
          }
        }
      }
      // no second RESPONSE for any of them comes after, and the connection still serves
      peer.request(5000, Opcode.INFO, "{}");
      RawPeer.Received r = peer.read();
      assertThat(r.stream()).as("seed " + seed).isEqualTo(5000);
      assertThat(r.status()).isEqualTo(Status.OK);
    }
    bystanderIsServed("seed " + seed);
  }

  /** A JSON type an argument may have. */
  private enum Kind {
    STRING,
    INTEGER,
    BOOLEAN,
    STRINGS
  }

  /** Values of each JSON type but one, and a few that look right and are not. */
  private static final Map<Kind, List<String>> WRONG =
      Map.of(
          Kind.STRING,
          List.of("7", "1.5", "true", "[\"a\"]", "{\"a\":1}"),
          Kind.INTEGER,
          List.of(
              "\"7\"", "1.5", "1e3", "true", "[1]", "{\"a\":1}", "99999999999999999999", "\"\""),
          Kind.BOOLEAN,
          List.of("\"true\"", "1", "0", "[true]", "{}"),
          Kind.STRINGS,
          List.of("\"a\"", "1", "[1]", "[null]", "[[\"a\"]]", "{\"a\":\"b\"}", "true"));

  /** A sample of opcodes: each argument's kind and a valid value for it. */
  private static final Map<Opcode, Map<String, Object[]>> SAMPLE =
      Map.of(
          Opcode.BLOB_GET,
          Map.of(
              "digest", new Object[] {Kind.STRING, "\"sha256:" + "00".repeat(32) + "\""},
              "offset", new Object[] {Kind.INTEGER, "0"},
              "length", new Object[] {Kind.INTEGER, "5"}),
          Opcode.BLOB_PUT,
          Map.of("size", new Object[] {Kind.INTEGER, "3"}),
          Opcode.BLOB_STAT,
          Map.of("digest", new Object[] {Kind.STRING, "\"sha256:" + "00".repeat(32) + "\""}),
          Opcode.FS_CHANGE,
          Map.of(
              "container", new Object[] {Kind.STRING, "\"c\""},
              "op", new Object[] {Kind.STRING, "\"mkdir\""},
              "path", new Object[] {Kind.STRING, "\"/x\""},
              "mode", new Object[] {Kind.INTEGER, "493"},
              "parents", new Object[] {Kind.BOOLEAN, "true"}),
          Opcode.FS_READ,
          Map.of(
              "container", new Object[] {Kind.STRING, "\"c\""},
              "path", new Object[] {Kind.STRING, "\"/x\""},
              "offset", new Object[] {Kind.INTEGER, "0"}),
          Opcode.CONTAINER_CREATE,
          Map.of(
              "image", new Object[] {Kind.STRING, "\"app:1\""},
              "volumes", new Object[] {Kind.STRINGS, "[\"v:/data\"]"}),
          Opcode.CONTAINER_REMOVE,
          Map.of(
              "container", new Object[] {Kind.STRING, "\"c\""},
              "force", new Object[] {Kind.BOOLEAN, "false"}),
          Opcode.VOLUME_PRUNE,
          Map.of("all", new Object[] {Kind.BOOLEAN, "false"}),
          Opcode.IMAGE_BUILD,
          Map.of(
              "dockerfile", new Object[] {Kind.STRING, "\"FROM scratch\""},
              "tags", new Object[] {Kind.STRINGS, "[\"b:1\"]"}),
          Opcode.IMAGE_PULL,
          Map.of(
              "image", new Object[] {Kind.STRING, "\"app:1\""},
              "host", new Object[] {Kind.STRING, "\"127.0.0.1:1\""},
              "token", new Object[] {Kind.STRING, "\"t\""}));

  @Test
  void everyWrongArgumentTypeIsNamedAndTheConnectionGoesOn() throws Exception {
    try (RawPeer peer = peer()) {
      int stream = 1;
      // in a fixed order, so that the seed says what was sent
      List<Opcode> ops = new ArrayList<>(SAMPLE.keySet());
      ops.sort(java.util.Comparator.comparingInt(Opcode::code));
      for (Opcode opcode : ops) {
        Map.Entry<Opcode, Map<String, Object[]>> op =
            Map.entry(opcode, new java.util.TreeMap<>(SAMPLE.get(opcode)));
        for (String bad : op.getValue().keySet()) {
          Kind kind = (Kind) op.getValue().get(bad)[0];
          for (String value : WRONG.get(kind)) {
            StringBuilder args = new StringBuilder("{");
            for (Map.Entry<String, Object[]> arg : op.getValue().entrySet()) {
              // the others valid, or left out (they are all optional to the type check)
              if (!arg.getKey().equals(bad) && rnd.nextInt(4) == 0) {
                continue;
              }
              if (args.length() > 1) {
                args.append(',');
              }
              args.append('"').append(arg.getKey()).append("\":");
              args.append(arg.getKey().equals(bad) ? value : (String) arg.getValue()[1]);
            }
            args.append('}');
            String why = "seed " + seed + ", " + op.getKey().label() + " " + args;
            int id = stream++;
            peer.request(id, op.getKey(), args.toString());
            Answer a = answer(peer, id, why);
            assertThat(a.status())
                .as(why + ": " + a.response().body())
                .isEqualTo(Status.INVALID_ARGUMENT);
            assertThat(a.response().body())
                .as(why)
                .startsWith("{\"message\":\"" + op.getKey().label() + ": argument " + bad + " is ")
                .doesNotContain("`")
                .doesNotContain("jackson")
                .doesNotContain("Cannot ")
                .doesNotContain("Source");
          }
        }
        // the connection goes on after each opcode's refusals
        int id = stream++;
        peer.request(id, Opcode.INFO, "{}");
        assertThat(answer(peer, id, "seed " + seed).status()).isEqualTo(Status.OK);
      }
    }
    bystanderIsServed("seed " + seed);
  }
}
