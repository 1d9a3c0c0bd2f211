package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.strata.store.blob.BlobService;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.TarBuilder;
import io.strata.store.registry.RegistryStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GET or HEAD of {@code REPO:TAG} that the registry does not hold but a Strata image of that name
 * exists publishes the image into the registry: a write. Anonymous pull does not cover it (401 with
 * the challenge, nothing published); with the token it publishes, and anonymous pulls of the
 * published image then work.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PublishAccessTest {
  private static final byte[] TOKEN = "s3cret".getBytes(StandardCharsets.UTF_8);
  private static final String CHALLENGE = "Bearer realm=\"http://reg/v2/token\",service=\"strata\"";

  @TempDir Path dir;
  private ImageFixture fix;
  private RegistryStore registry;
  private ChunkIndexMaker indexes;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    registry = new RegistryStore(fix.chunks(), new BlobService(fix.chunks()));
    indexes = new ChunkIndexMaker(registry.chunkIndexes(), d -> false);
    byte[] tar = new TarBuilder().file("etc/one", "one\n").bytes();
    fix.images().importLayerTar(new ByteArrayInputStream(tar), "t/one:1", "one.tar");
  }

  @AfterEach
  void close() throws IOException {
    indexes.close();
    fix.close();
  }

  private EmbeddedChannel channel(Access access) {
    ImageBridge bridge =
        new ImageBridge(
            registry,
            fix.images(),
            id -> false,
            dir.resolve("tmp"),
            null,
            Runnable::run,
            new Failures(dir),
            new io.strata.store.engine.StopSignal());
    ManifestEndpoints manifests = new ManifestEndpoints(registry, bridge, indexes);
    return new EmbeddedChannel(
        new RegistryHandler(
            access, null, manifests, null, Runnable::run, "http", new Failures(dir)));
  }

  private static FullHttpResponse send(EmbeddedChannel ch, HttpMethod m, String path, String auth) {
    DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, path);
    req.headers().set(HttpHeaderNames.HOST, "reg");
    if (auth != null) {
      req.headers().set(HttpHeaderNames.AUTHORIZATION, auth);
    }
    ch.writeInbound(req);
    ch.runPendingTasks();
    FullHttpResponse r = ch.readOutbound();
    assertThat(r).as("an answer to %s %s", m, path).isNotNull();
    return r;
  }

  @Test
  void anAnonymousPullThatWouldPublishNeedsTheToken() {
    EmbeddedChannel ch = channel(new Access(TOKEN, true));
    for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD}) {
      FullHttpResponse refused = send(ch, m, "/v2/t/one/manifests/1", null);
      assertThat(refused.status().code()).as("%s", m).isEqualTo(401);
      assertThat(refused.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).isEqualTo(CHALLENGE);
      refused.release();
    }
    FullHttpResponse body = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", null);
    assertThat(body.content().toString(StandardCharsets.UTF_8))
        .contains("UNAUTHORIZED")
        .contains("t/one:1");
    body.release();
    assertThat(registry.tags("t/one")).as("nothing published").isEmpty();
    assertThat(registry.exists("t/one")).isFalse();
    // no Strata image of that name: nothing would be written, so the usual 404
    FullHttpResponse unknown = send(ch, HttpMethod.GET, "/v2/t/none/manifests/1", null);
    assertThat(unknown.status().code()).isEqualTo(404);
    unknown.release();
    // a wrong token is no token
    FullHttpResponse wrong = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", "Bearer nope");
    assertThat(wrong.status().code()).isEqualTo(401);
    wrong.release();

    FullHttpResponse published = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", "Bearer s3cret");
    assertThat(published.status().code()).isEqualTo(200);
    String digest = published.headers().get(Replies.CONTENT_DIGEST);
    published.release();
    assertThat(registry.tags("t/one")).containsExactly("1");
    // published: anonymous pulls of it work, by tag and by digest
    for (String ref : new String[] {"1", digest}) {
      FullHttpResponse pulled = send(ch, HttpMethod.GET, "/v2/t/one/manifests/" + ref, null);
      assertThat(pulled.status().code()).as(ref).isEqualTo(200);
      assertThat(pulled.headers().get(Replies.CONTENT_DIGEST)).isEqualTo(digest);
      pulled.release();
    }
    ch.finishAndReleaseAll();
  }

  @Test
  void aPublishedTagWhoseNameMovedIsPublishedAgainWhichAnAnonymousPullMayNotDo()
      throws IOException {
    EmbeddedChannel ch = channel(new Access(TOKEN, true));
    FullHttpResponse first = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", "Bearer s3cret");
    assertThat(first.status().code()).isEqualTo(200);
    String v1 = first.headers().get(Replies.CONTENT_DIGEST);
    first.release();
    // the user imports a new version under the name (adversarial finding H8)
    byte[] tar = new TarBuilder().file("etc/one", "two\n").bytes();
    fix.images().importLayerTar(new ByteArrayInputStream(tar), "t/one:1", "two.tar");
    // the old image is not served, anonymously or not; publishing the new one needs the token
    FullHttpResponse stale = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", null);
    assertThat(stale.status().code()).isEqualTo(401);
    stale.release();
    FullHttpResponse again = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", "Bearer s3cret");
    assertThat(again.status().code()).isEqualTo(200);
    String v2 = again.headers().get(Replies.CONTENT_DIGEST);
    again.release();
    assertThat(v2).isNotEqualTo(v1);
    FullHttpResponse anonymous = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", null);
    assertThat(anonymous.status().code()).isEqualTo(200);
    assertThat(anonymous.headers().get(Replies.CONTENT_DIGEST)).isEqualTo(v2);
    anonymous.release();
    // removed: no image of that name, so nothing is served and nothing published
    fix.images().remove("t/one:1", id -> false);
    FullHttpResponse gone = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", "Bearer s3cret");
    assertThat(gone.status().code()).isEqualTo(404);
    assertThat(gone.content().toString(StandardCharsets.UTF_8))
        .contains("MANIFEST_UNKNOWN")
        .contains("and that name now names another image or manifest");
    gone.release();
    assertThat(registry.tags("t/one")).isEmpty();
    ch.finishAndReleaseAll();
  }

  @Test
  void withoutATokenFileAPullPublishesAsBefore() {
    EmbeddedChannel ch = channel(new Access(null, false));
    FullHttpResponse r = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", null);
    assertThat(r.status().code()).isEqualTo(200);
    r.release();
    assertThat(registry.tags("t/one")).containsExactly("1");
    ch.finishAndReleaseAll();
  }

  @Test
  void aManifestDeleteRemovesTheImageItServedAndNeverAnotherOfThatName() throws IOException {
    EmbeddedChannel ch = channel(new Access(null, false));
    FullHttpResponse got = send(ch, HttpMethod.GET, "/v2/t/one/manifests/1", null);
    assertThat(got.status().code()).isEqualTo(200);
    got.release();
    String served = fix.images().resolve("t/one:1");
    // the user gives the name to an image of their own, which the registry never served
    byte[] own = new TarBuilder().file("etc/mine", "mine\n").bytes();
    fix.images().importLayerTar(new ByteArrayInputStream(own), "mine:1", "mine.tar");
    String mine = fix.images().resolve("mine:1");
    fix.images().tag("mine:1", "t/one:1");
    // the tag published from the image the name no longer names is stale: not served, so there
    // is no such tag to delete (as for a name never published; adversarial finding H8)
    FullHttpResponse deleted = send(ch, HttpMethod.DELETE, "/v2/t/one/manifests/1", null);
    assertThat(deleted.status().code()).isEqualTo(404);
    deleted.release();
    assertThat(registry.tags("t/one")).isEmpty();
    assertThat(fix.images().resolve("t/one:1"))
        .as("the user's image keeps the name")
        .isEqualTo(mine);
    assertThat(fix.images().resolve("mine:1")).isEqualTo(mine);

    // the image the registry served, under the name it served it by, goes with the tag
    fix.images().tag(served, "t/two:1");
    FullHttpResponse two = send(ch, HttpMethod.GET, "/v2/t/two/manifests/1", null);
    assertThat(two.status().code()).isEqualTo(200);
    two.release();
    FullHttpResponse gone = send(ch, HttpMethod.DELETE, "/v2/t/two/manifests/1", null);
    assertThat(gone.status().code()).isEqualTo(202);
    gone.release();
    assertThat(fix.images().list()).noneMatch(i -> i.id().equals(served));
    ch.finishAndReleaseAll();
  }
}
