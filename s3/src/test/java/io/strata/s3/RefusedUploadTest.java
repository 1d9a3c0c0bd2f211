package io.strata.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload the server refuses fails at once with the server's error code (tester AM3). The server
 * here answers a PUT as radosgw 16 answers one over a full bucket quota, as strace showed it: to
 * {@code Expect: 100-continue}, "100 Continue" and the final 403 in one write, then it reads and
 * drops the body and keeps the connection. The JDK's HttpURLConnection lost that 403 and waited out
 * the 60-second attempt timeout, then the SDK retried.
 */
// A separate thread: without the fix the PUT blocks in a socket read no interrupt ends.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RefusedUploadTest {
  private static final String QUOTA_EXCEEDED =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>QuotaExceeded</Code><Message>"
          + "</Message><BucketName>full</BucketName></Error>";

  @TempDir Path dir;

  @Test
  void aPutRefusedAsRadosgwRefusesItFailsInSecondsNamingTheKeyAndTheCode() throws Exception {
    Path pack = dir.resolve("pack");
    Files.write(pack, new byte[16 << 20]);
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread radosgw = new Thread(() -> serve(server), "fake-radosgw");
      radosgw.setDaemon(true);
      radosgw.start();
      S3Settings settings =
          S3Settings.parse("s3://full/fleet")
              .withEndpoint(URI.create("http://127.0.0.1:" + server.getLocalPort()))
              .withCredentials(credentials())
              .withPathStyle(true);
      try (S3ObjectStore store = S3ObjectStore.open(settings)) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> store.put("packs/00000040.pack", pack))
            .hasMessage(
                "s3://full/fleet/ at "
                    + settings.endpoint()
                    + ": PUT packs/00000040.pack failed: 403 QuotaExceeded");
        assertThat(System.nanoTime() - start)
            .as("time to the refusal")
            .isLessThan(TimeUnit.SECONDS.toNanos(10));
      }
    }
  }

  private Path credentials() throws IOException {
    Path c = dir.resolve("credentials");
    Files.writeString(
        c, "[default]\naws_access_key_id = k\naws_secret_access_key = s\n", StandardCharsets.UTF_8);
    return c;
  }

  /** Answers every connection as radosgw answers requests on a bucket whose quota is full. */
  private static void serve(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> answer(s), "fake-radosgw-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void answer(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      String head;
      while ((head = readHead(in)) != null) {
        String lower = head.toLowerCase(Locale.ROOT);
        long length = 0;
        for (String line : lower.split("\r\n")) {
          if (line.startsWith("content-length:")) {
            length = Long.parseLong(line.substring("content-length:".length()).strip());
          }
        }
        String answer;
        if (head.startsWith("PUT ")) {
          byte[] body = QUOTA_EXCEEDED.getBytes(StandardCharsets.UTF_8);
          answer =
              "HTTP/1.1 403 Forbidden\r\nContent-Length: "
                  + body.length
                  + "\r\nContent-Type: application/xml\r\nConnection: Keep-Alive\r\n\r\n"
                  + QUOTA_EXCEEDED;
          if (lower.contains("\r\nexpect: 100-continue")) {
            answer = "HTTP/1.1 100 CONTINUE\r\n\r\n" + answer;
          }
        } else {
          answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"; // HEAD of the bucket
        }
        out.write(answer.getBytes(StandardCharsets.UTF_8)); // one write, as radosgw's
        out.flush();
        in.skipNBytes(length); // the refused body, read and dropped
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** The request line and headers, or null at the end of the stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      if (b.size() >= 4 && b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        return b.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }
}
