package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.StrataClient;
import io.strata.client.TransferListener;
import io.strata.protocol.FrameHeader;
import io.strata.protocol.FrameType;
import io.strata.protocol.Hello;
import io.strata.protocol.Opcode;
import io.strata.protocol.RequestHeader;
import io.strata.protocol.Wire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated frames against a running server: at least 10,000 of them, over many
 * connections, after a valid handshake or instead of one. The server must stay up and serve a
 * normal client afterwards. The seed is fixed so that a failure reproduces.
 */
class ProtocolFuzzIT {
  private static final int FRAMES = 10_000;

  /** Every opcode but blob.rm, which would legitimately remove the object checked at the end. */
  private static final Opcode[] OPCODES =
      java.util.Arrays.stream(Opcode.values())
          .filter(o -> o != Opcode.BLOB_REMOVE)
          .toArray(Opcode[]::new);

  private static final String[] ARGS = {
    "{}",
    "{\"digest\":\"sha256:" + "00".repeat(32) + "\"}",
    "{\"digest\":\"sha256:xyz\",\"offset\":-5}",
    "{\"size\":3}",
    "{\"size\":-1}",
    "[1,2,3]",
    "{\"digest\":",
    "null",
    ""
  };

  @TempDir Path dir;

  @Test
  void theServerSurvivesGarbageAndStillServes() throws Exception {
    Random rnd = new Random(0x5eed);
    try (TestServer s = TestServer.start(dir.resolve("data"))) {
      byte[] known = "a known object".getBytes(StandardCharsets.UTF_8);
      String digest;
      try (StrataClient c = s.client()) {
        digest = c.put(new ByteArrayInputStream(known), null, TransferListener.NONE).digest();
      }
      int sent = 0;
      while (sent < FRAMES) {
        sent += fuzzOneConnection(s, rnd, digest);
      }
      try (StrataClient c = s.client()) {
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        c.get(digest, 0, -1, back, TransferListener.NONE);
        assertThat(back.toByteArray()).isEqualTo(known);
        assertThat(c.fsck().damaged()).isEmpty();
      }
      assertThat(s.cli("info").code()).isZero();
    }
  }

  /** One connection's worth of frames; returns how many were sent before the server hung up. */
  private static int fuzzOneConnection(TestServer s, Random rnd, String digest) throws Exception {
    int count = 0;
    try (Socket sock = new Socket(s.address().host(), s.address().port())) {
      sock.setSoTimeout(5000);
      Thread reader = drain(sock.getInputStream());
      OutputStream out = sock.getOutputStream();
      int mode = rnd.nextInt(10);
      if (mode > 0) {
        out.write(FrameHeader.frame(FrameType.HELLO, 0, Hello.current().encode()));
      }
      int frames = 1 + rnd.nextInt(mode == 0 ? 4 : 200);
      try {
        for (int i = 0; i < frames; i++) {
          out.write(frame(rnd, digest));
          count++;
        }
        out.flush();
      } catch (IOException closedByServer) {
        // The server closes a connection that breaks the protocol; the frames so far count.
      }
      sock.shutdownOutput();
      reader.join(5000);
    } catch (IOException e) {
      // reset by the server mid-handshake: fine
    }
    return Math.max(count, 1);
  }

  private static Thread drain(InputStream in) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                while (in.read(buf) >= 0) {
                  // discard: only the server's survival matters
                }
              } catch (IOException e) {
                // closed
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** A random frame: well-formed with random fields, or a valid one with bytes flipped. */
  private static byte[] frame(Random rnd, String digest) {
    byte[] f;
    switch (rnd.nextInt(6)) {
      case 0 -> {
        byte[] junk = new byte[rnd.nextInt(64)];
        rnd.nextBytes(junk);
        return junk;
      }
      case 1 -> {
        FrameType t = FrameType.values()[rnd.nextInt(FrameType.values().length)];
        byte[] payload = new byte[rnd.nextInt(300)];
        rnd.nextBytes(payload);
        f = FrameHeader.frame(t, rnd.nextInt(8), payload);
      }
      case 2 -> {
        Opcode op = OPCODES[rnd.nextInt(OPCODES.length)];
        String args = rnd.nextBoolean() ? ARGS[rnd.nextInt(ARGS.length)] : getArgs(digest, rnd);
        f =
            FrameHeader.frame(
                FrameType.REQUEST,
                1 + rnd.nextInt(20),
                new RequestHeader(op.code(), args.getBytes(StandardCharsets.UTF_8)).encode());
      }
      case 3 -> {
        byte[] payload = new byte[rnd.nextInt(Wire.DATA_CHUNK)];
        f = FrameHeader.frame(FrameType.DATA, 1 + rnd.nextInt(20), payload);
      }
      case 4 ->
          f =
              FrameHeader.frame(
                  rnd.nextBoolean() ? FrameType.END : FrameType.CANCEL,
                  rnd.nextInt(20),
                  new byte[0]);
      default -> {
        f =
            FrameHeader.frame(
                FrameType.REQUEST,
                1 + rnd.nextInt(20),
                new RequestHeader(rnd.nextInt(0x10000), new byte[rnd.nextInt(40)]).encode());
      }
    }
    if (rnd.nextInt(4) == 0) {
      int flips = 1 + rnd.nextInt(3);
      for (int i = 0; i < flips; i++) {
        f[rnd.nextInt(f.length)] ^= (byte) (1 << rnd.nextInt(8));
      }
    }
    return f;
  }

  private static String getArgs(String digest, Random rnd) {
    return "{\"digest\":\"" + digest + "\",\"offset\":" + rnd.nextInt(20) + "}";
  }
}
