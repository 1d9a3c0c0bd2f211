package io.strata.store.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.error.InvalidArgumentException;
import io.strata.store.error.NotFoundException;
import io.strata.store.fs.FileSystemView;
import io.strata.store.image.ImageFixture;
import io.strata.store.image.ImageStore;
import io.strata.store.image.layer.ImageConfigs;
import io.strata.store.image.layer.JsonCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dockerfile builds over a real store: multi-stage builds and COPY --from, --target, ARG and
 * --build-arg, --no-cache, the config-only instructions in the config, history rows with
 * empty_layer and created, ONBUILD triggers, and the cache key ignoring mtimes.
 */
@Timeout(60)
class DockerfileBuildTest {
  @TempDir Path dir;
  ImageFixture fix;
  ImageStore images;
  Path ctx;

  @BeforeEach
  void open() throws IOException {
    fix = new ImageFixture(dir.resolve("store"));
    images = fix.images();
    Path base = Files.createDirectories(dir.resolve("base/etc"));
    Files.writeString(base.resolve("os-release"), "base\n");
    images.importPath(base.getParent().toString(), "base:1");
    ctx = Files.createDirectories(dir.resolve("ctx/src"));
    Files.writeString(ctx.resolve("main.c"), "int main() {}\n");
    Files.writeString(ctx.resolve("../notes.txt"), "notes\n");
    ctx = ctx.getParent();
  }

  @AfterEach
  void close() throws IOException {
    fix.close();
  }

  private List<String> build(String dockerfile, String tag, BuildOptions options)
      throws IOException {
    List<String> log = new ArrayList<>();
    images.build(dockerfile, List.of(tag), options, ctx, log::add);
    return log;
  }

  private boolean snapshotGone(String key) {
    try {
      return fix.driver().stat(key) == null;
    } catch (NotFoundException e) {
      return true;
    }
  }

  private JsonNode config(String tag) throws IOException {
    return JsonCodec.MAPPER.readTree(images.inspect(tag).config());
  }

  private FileSystemView top(String tag) {
    return fix.driver().fs(images.inspect(tag).topLayer());
  }

  /**
   * The cache of a stage no image has builds on the base image's layers: removing every image keeps
   * them for it, so the same base imports again, and a builder prune then frees them (AG1: the base
   * layer's record went, its snapshot stayed under the stage's, and every import of the base was
   * refused, "snapshot ... exists already"; AG2: nothing freed the cache).
   */
  @Test
  void removingTheImagesOfAMultiStageBuildLeavesTheBaseImportableAndPruneFreesTheCache()
      throws IOException {
    String df =
        String.join(
            "\n",
            "FROM base:1 AS build",
            "COPY src /build/src",
            "FROM base:1",
            "COPY --from=build /build/src/main.c /main.c");
    build(df, "ms:1", BuildOptions.DEFAULT);
    String baseTop = images.inspect("base:1").topLayer();
    assertThat(images.buildCacheUse().cacheOnly()).as("the stage's layer").hasSize(1);

    images.remove("ms:1", false, id -> false);
    images.remove("base:1", false, id -> false);
    assertThat(fix.driver().stat(baseTop)).as("kept under the cached stage").isNotNull();
    assertThat(images.buildCacheUse().cacheOnly()).contains(baseTop);

    images.importPath(dir.resolve("base").toString(), "base:1");
    assertThat(images.inspect("base:1").topLayer()).isEqualTo(baseTop);
    images.remove("base:1", false, id -> false);

    ImageStore.BuildCachePrune pruned = images.pruneBuildCache(false);
    assertThat(pruned.entries()).isPositive();
    assertThat(pruned.layers()).contains(baseTop);
    assertThat(pruned.layers().get(pruned.layers().size() - 1))
        .as("parents last")
        .isEqualTo(baseTop);
    assertThat(images.buildCacheUse().entries()).isZero();
    assertThat(images.buildCacheUse().cacheOnly()).isEmpty();
    assertThat(snapshotGone(baseTop)).isTrue();
    images.importPath(dir.resolve("base").toString(), "base:1");
    assertThat(images.inspect("base:1").topLayer()).isEqualTo(baseTop);
  }

  @Test
  void multiStageCopiesFromStagesByNameAndNumberAndFromImages() throws IOException {
    String df =
        String.join(
            "\n",
            "ARG BASE=base:1",
            "FROM ${BASE} AS build",
            "COPY src /build/src",
            "FROM scratch AS unused",
            "COPY notes.txt /unused",
            "FROM scratch",
            "COPY --from=build /build/src/main.c /app/main.c",
            "COPY --from=0 /etc/os-release /app/os-release",
            "COPY --from=base:1 /etc/os-release /app/from-image");
    List<String> log = build(df, "multi:1", BuildOptions.DEFAULT);
    assertThat(log).as("the unused stage is skipped").noneMatch(l -> l.contains("/unused"));
    assertThat(log).contains("Step 1/7 : ARG BASE=base:1", "Step 4/7 : FROM scratch");
    FileSystemView fs = top("multi:1");
    assertThat(new String(fs.open("/app/main.c").readAllBytes())).isEqualTo("int main() {}\n");
    assertThat(fs.exists("/app/os-release")).isTrue();
    assertThat(fs.exists("/app/from-image")).isTrue();
    assertThat(fs.exists("/build")).as("only what was copied").isFalse();
    assertThat(images.inspect("multi:1").layers()).hasSize(3);

    List<String> target = build(df, "unused:1", new BuildOptions(Map.of(), "unused", false));
    assertThat(target).contains("Step 1/3 : ARG BASE=base:1", "Step 2/3 : FROM scratch AS unused");
    assertThat(top("unused:1").exists("/unused")).isTrue();
    assertThatThrownBy(() -> build(df, "x:1", new BuildOptions(Map.of(), "nosuch", false)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("build target nosuch");
    assertThatThrownBy(
            () -> build("FROM scratch\nCOPY --from=nosuch /a /b\n", "x:1", BuildOptions.DEFAULT))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("--from=nosuch");
    assertThatThrownBy(
            () -> build("FROM scratch AS a\nCOPY --from=a /a /b\n", "x:1", BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("not built before it");
    assertThat(images.list()).noneMatch(i -> i.repository().equals("x"));
  }

  @Test
  void argsTakeBuildArgsDefaultsAndGlobalsAndEnvWins() throws IOException {
    String df =
        String.join(
            "\n",
            "ARG DIR=/global",
            "FROM scratch",
            "ARG DIR",
            "ARG NAME=default",
            "ARG SHADOW=arg",
            "ENV SHADOW=env",
            "ARG TARGETARCH",
            "COPY notes.txt ${DIR}/${NAME}-${SHADOW}.txt",
            "LABEL arch=$TARGETARCH undeclared=${HTTP_PROXY:-none}");
    List<String> log = build(df, "args:1", BuildOptions.DEFAULT);
    assertThat(top("args:1").exists("/global/default-env.txt")).isTrue();
    assertThat(config("args:1").at("/config/Labels/arch").asText())
        .isEqualTo(ImageConfigs.hostArchitecture());
    assertThat(config("args:1").at("/config/Labels/undeclared").asText()).isEqualTo("none");
    assertThat(log).noneMatch(l -> l.contains("[Warning]"));

    List<String> given =
        build(
            df,
            "args:2",
            new BuildOptions(
                Map.of("DIR", "/given", "NAME", "n", "UNUSED", "x", "HTTP_PROXY", "p"),
                null,
                false));
    assertThat(top("args:2").exists("/given/n-env.txt")).isTrue();
    assertThat(given).contains("[Warning] One or more build-args [UNUSED] were not consumed");
    // ARGs are build-time only: unlike ENV they leave nothing in the config's environment
    assertThat(config("args:2").at("/config/Env").toString()).isEqualTo("[\"SHADOW=env\"]");
    assertThat(config("args:2").toString()).doesNotContain("UNUSED");
  }

  @Test
  void configOnlyInstructionsGoIntoTheConfigWithEmptyLayerHistoryRows() throws IOException {
    String df =
        String.join(
            "\n",
            "FROM base:1",
            "EXPOSE 80 53/udp 8000-8001",
            "VOLUME [\"/data\", \"/logs\"]",
            "VOLUME /cache",
            "STOPSIGNAL SIGINT",
            "HEALTHCHECK --interval=1m30s --timeout=5s --retries=3 CMD curl -f http://localhost/",
            "SHELL [\"/bin/bash\", \"-lc\"]",
            "CMD echo hi",
            "ONBUILD COPY notes.txt /onbuild/",
            "MAINTAINER someone",
            "USER 1000:1000",
            "LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0",
            "ENV PATH_EXTRA /opt/bin",
            "COPY notes.txt /notes.txt");
    build(df, "cfg:1", BuildOptions.DEFAULT);
    JsonNode c = config("cfg:1");
    JsonNode cc = c.get("config");
    assertThat(cc.get("ExposedPorts").properties())
        .extracting(Map.Entry::getKey)
        .containsExactlyInAnyOrder("80/tcp", "53/udp", "8000/tcp", "8001/tcp");
    assertThat(cc.get("Volumes").properties())
        .extracting(Map.Entry::getKey)
        .containsExactlyInAnyOrder("/data", "/logs", "/cache");
    assertThat(cc.get("StopSignal").asText()).isEqualTo("SIGINT");
    JsonNode hc = cc.get("Healthcheck");
    assertThat(hc.get("Test").toString())
        .isEqualTo("[\"CMD-SHELL\",\"curl -f http://localhost/\"]");
    assertThat(hc.get("Interval").asLong()).isEqualTo(90_000_000_000L);
    assertThat(hc.get("Timeout").asLong()).isEqualTo(5_000_000_000L);
    assertThat(hc.get("Retries").asInt()).isEqualTo(3);
    assertThat(cc.get("Shell").toString()).isEqualTo("[\"/bin/bash\",\"-lc\"]");
    assertThat(cc.get("Cmd").toString()).isEqualTo("[\"/bin/bash\",\"-lc\",\"echo hi\"]");
    assertThat(cc.get("OnBuild").toString()).isEqualTo("[\"COPY notes.txt /onbuild/\"]");
    assertThat(cc.get("User").asText()).isEqualTo("1000:1000");
    assertThat(cc.get("Labels").get("com.example.vendor").asText()).isEqualTo("ACME Inc");
    assertThat(cc.get("Env").toString()).contains("PATH_EXTRA=/opt/bin");
    assertThat(c.get("author").asText()).isEqualTo("someone");

    JsonNode history = c.get("history");
    JsonNode last = history.get(history.size() - 1);
    assertThat(last.get("created_by").asText()).isEqualTo("COPY notes.txt /notes.txt");
    assertThat(last.has("empty_layer")).isFalse();
    assertThat(history.get(history.size() - 2).get("empty_layer").asBoolean()).isTrue();
    assertThat(history.get(history.size() - 2).get("created_by").asText())
        .isEqualTo("ENV PATH_EXTRA /opt/bin");
    int empty = 0;
    for (JsonNode h : history) {
      if (h.get("created_by").asText().equals("strata image import")) {
        continue; // the base's row, from a directory import
      }
      assertThat(h.path("created").asText()).as("row %s", h).isNotEmpty();
      empty += h.path("empty_layer").asBoolean() ? 1 : 0;
    }
    assertThat(empty).isEqualTo(12);
    assertThat(c.get("created").asText()).isEqualTo(last.get("created").asText());
    assertThat(c.get("rootfs").get("diff_ids")).hasSize(2);

    // A child runs the ONBUILD trigger right after FROM and does not inherit it.
    List<String> log =
        build("FROM cfg:1\nENTRYPOINT [\"/bin/app\"]\n", "child:1", BuildOptions.DEFAULT);
    assertThat(log).contains("# Executing 1 build trigger");
    assertThat(top("child:1").exists("/onbuild/notes.txt")).isTrue();
    JsonNode child = config("child:1").get("config");
    assertThat(child.has("OnBuild")).isFalse();
    assertThat(child.has("Cmd")).as("ENTRYPOINT clears the inherited CMD").isFalse();
  }

  @Test
  void destinationsAreCleanedInsideTheImageAndSourcesStayInTheContext() throws IOException {
    // docker: "/../../x" is "/x", "../b" from WORKDIR /w is "/b"; a source outside the context
    // is refused naming the line
    build(
        "FROM scratch\nCOPY notes.txt /../../top.txt\nWORKDIR /w\nCOPY notes.txt ../b.txt\n",
        "clean:1",
        BuildOptions.DEFAULT);
    FileSystemView fs = top("clean:1");
    assertThat(fs.exists("/top.txt")).isTrue();
    assertThat(fs.exists("/b.txt")).isTrue();
    assertThatThrownBy(
            () -> build("FROM scratch\nCOPY ../outside /s\n", "out:1", BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("Dockerfile line 2: COPY ../outside: forbidden path outside the build context");
  }

  @Test
  void badConfigInstructionsAreRefusedNamingTheLine() {
    for (String[] bad :
        new String[][] {
          {"EXPOSE 80/xyz", "EXPOSE 80/xyz"},
          {"EXPOSE 70000", "out of range"},
          {"STOPSIGNAL KILLME", "not a signal"},
          {"HEALTHCHECK --interval=fast CMD true", "duration"},
          {"HEALTHCHECK --bogus=1 CMD true", "--bogus"},
          {"HEALTHCHECK true", "NONE or [OPTIONS] CMD"},
          {"SHELL /bin/bash -c", "JSON form"},
          {"COPY --parents notes.txt /x", "--parents"},
          {"FROM --platform=linux/s390x scratch", "only this host's platform"}
        }) {
      assertThatThrownBy(
              () -> build("FROM scratch\n" + bad[0] + "\n", "bad:1", BuildOptions.DEFAULT))
          .as(bad[0])
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("line 2")
          .hasMessageContaining(bad[1]);
    }
    assertThat(images.list()).noneMatch(i -> i.repository().equals("bad"));
  }

  @Test
  void onbuildRunIsRecordedAndRefusedWhenTriggeredAndAnEmptyFromIsRefused() throws IOException {
    build("FROM scratch\nONBUILD run make\nCOPY notes.txt /n\n", "trig:1", BuildOptions.DEFAULT);
    assertThat(config("trig:1").at("/config/OnBuild").toString()).isEqualTo("[\"RUN make\"]");
    assertThatThrownBy(() -> build("FROM trig:1\n", "trig-child:1", BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("RUN is not supported")
        .hasMessageContaining("line 1");
    assertThatThrownBy(() -> build("ARG B\nFROM ${B}\n", "empty:1", BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("line 2: FROM ${B} names no image");
    assertThat(images.list())
        .noneMatch(i -> i.repository().equals("trig-child") || i.repository().equals("empty"));
  }

  @Test
  void chownNamesAreLookedUpInTheImagesAccountFiles() throws IOException {
    Path accounts = Files.createDirectories(dir.resolve("accounts/etc"));
    Files.writeString(
        accounts.resolve("passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
    Files.writeString(accounts.resolve("group"), "root:x:0:\nstaff:x:50:app\n");
    images.importPath(accounts.getParent().toString(), "accounts:1");
    build(
        "FROM accounts:1\nCOPY --chown=app:staff notes.txt /a\nCOPY --chown=app notes.txt /b\n"
            + "COPY --chown=7:8 notes.txt /c\nCOPY --chown=root notes.txt /d\n",
        "owned:1",
        BuildOptions.DEFAULT);
    FileSystemView fs = top("owned:1");
    assertThat(new int[] {fs.stat("/a").uid(), fs.stat("/a").gid()}).containsExactly(1000, 50);
    assertThat(new int[] {fs.stat("/b").uid(), fs.stat("/b").gid()})
        .as("a user alone: the group of the same number, as Docker")
        .containsExactly(1000, 1000);
    assertThat(new int[] {fs.stat("/c").uid(), fs.stat("/c").gid()}).containsExactly(7, 8);
    assertThat(fs.stat("/d").uid()).isZero();
    assertThatThrownBy(
            () ->
                build(
                    "FROM accounts:1\nCOPY --chown=nobody notes.txt /x\n",
                    "x:1",
                    BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("line 2: --chown: no user nobody in the image's /etc/passwd");
    assertThatThrownBy(
            () ->
                build("FROM scratch\nCOPY --chown=app notes.txt /x\n", "x:1", BuildOptions.DEFAULT))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("the image has no /etc/passwd");
  }

  @Test
  void sourceDateEpochFixesEveryTimeAsBuildKitDoes() throws IOException {
    BuildOptions epoch = new BuildOptions(Map.of("SOURCE_DATE_EPOCH", "1700000000"), null, true);
    List<String> log = build("FROM base:1\nLABEL a=b\nCOPY src /src\n", "epoch:1", epoch);
    assertThat(log).noneMatch(l -> l.contains("[Warning]"));
    JsonNode c = config("epoch:1");
    assertThat(c.get("created").asText()).isEqualTo("2023-11-14T22:13:20Z");
    JsonNode history = c.get("history");
    assertThat(history.get(history.size() - 1).get("created").asText())
        .isEqualTo("2023-11-14T22:13:20Z");
    assertThat(history.get(history.size() - 2).get("created").asText())
        .isEqualTo("2023-11-14T22:13:20Z");
    String id = images.resolve("epoch:1");
    build("FROM base:1\nLABEL a=b\nCOPY src /src\n", "epoch:2", epoch);
    assertThat(images.resolve("epoch:2")).as("--no-cache, yet the same image").isEqualTo(id);
    assertThatThrownBy(
            () ->
                build(
                    "FROM scratch\n",
                    "x:1",
                    new BuildOptions(Map.of("SOURCE_DATE_EPOCH", "yesterday"), null, false)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("SOURCE_DATE_EPOCH=yesterday");
  }

  @Test
  void anUnchangedBuildGivesTheSameIdAndNoCacheBuildsAgain() throws Exception {
    String df = "FROM base:1\nLABEL a=b\nCOPY src /src\nCMD [\"/src/main\"]\n";
    build(df, "same:1", BuildOptions.DEFAULT);
    String first = images.resolve("same:1");
    String created = config("same:1").get("created").asText();
    // a fresh checkout: the same content with a new mtime hits the cache, as in Docker
    Files.setLastModifiedTime(ctx.resolve("src/main.c"), FileTime.fromMillis(1_000_000_000_000L));
    List<String> again = build(df, "same:2", BuildOptions.DEFAULT);
    assertThat(again.stream().filter(" ---> Using cache"::equals).count()).isEqualTo(3);
    assertThat(images.resolve("same:2")).isEqualTo(first);

    Thread.sleep(5); // Instant.now() moves on: a rebuilt step gets a new time
    List<String> noCache = build(df, "same:3", new BuildOptions(Map.of(), null, true));
    assertThat(noCache).doesNotContain(" ---> Using cache");
    assertThat(config("same:3").get("created").asText()).isNotEqualTo(created);
    assertThat(images.resolve("same:3")).isNotEqualTo(first);
  }
}
