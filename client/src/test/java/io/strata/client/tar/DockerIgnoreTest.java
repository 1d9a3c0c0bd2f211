package io.strata.client.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** .dockerignore patterns as Docker documents them, and the context tar they filter. */
@Timeout(10)
class DockerIgnoreTest {
  @TempDir Path dir;

  @Test
  void docsExamples() {
    DockerIgnore ig =
        DockerIgnore.parse(
            String.join(
                "\n",
                "# comment",
                "*/temp*",
                "*/*/temp*",
                "temp?",
                "  /secrets/  ",
                "**/*.key",
                "*.md",
                "!README*.md",
                "README-secret.md",
                "./build//out/"));
    assertThat(ig.excluded("somedir/temporary.txt")).isTrue();
    assertThat(ig.excluded("somedir/temp")).isTrue();
    assertThat(ig.excluded("temporary.txt")).as("*/temp* needs a directory").isFalse();
    assertThat(ig.excluded("somedir/subdir/temporary.txt")).isTrue();
    assertThat(ig.excluded("tempa")).isTrue();
    assertThat(ig.excluded("tempab")).isFalse();
    assertThat(ig.excluded("secrets/db/password")).as("below an excluded directory").isTrue();
    assertThat(ig.excluded("secrets")).isTrue();
    assertThat(ig.excluded("a/b/c/id.key")).isTrue();
    assertThat(ig.excluded("id.key")).as("** matches zero directories").isTrue();
    assertThat(ig.excluded("notes.md")).isTrue();
    assertThat(ig.excluded("README.md")).as("an exception").isFalse();
    assertThat(ig.excluded("README-secret.md")).as("the last match wins").isTrue();
    assertThat(ig.excluded("docs/notes.md")).as("*.md is only the top").isFalse();
    assertThat(ig.excluded("build/out/x.o")).as("patterns are cleaned").isTrue();
    assertThat(ig.excluded("build/keep")).isFalse();
    assertThat(ig.excluded("# comment")).isFalse();
  }

  @Test
  void classesEscapesAndDoubleStars() {
    DockerIgnore ig = DockerIgnore.parse("file[0-9].txt\nx[^a]y\nz[!a]z\nweird\\*name\nlogs/**\n");
    assertThat(ig.excluded("file7.txt")).isTrue();
    assertThat(ig.excluded("fileA.txt")).isFalse();
    assertThat(ig.excluded("xby")).isTrue();
    assertThat(ig.excluded("xay")).isFalse();
    assertThat(ig.excluded("z!z")).as("! is a member of a class, as in Go").isTrue();
    assertThat(ig.excluded("zaz")).isTrue();
    assertThat(ig.excluded("zbz")).isFalse();
    assertThat(ig.excluded("weird*name")).isTrue();
    assertThat(ig.excluded("weirdXname")).isFalse();
    assertThat(ig.excluded("logs/a/b.log")).isTrue();
  }

  @Test
  void patternsDockerRefusesAreRefusedNamingTheLine() throws Exception {
    assertThatThrownBy(() -> DockerIgnore.parse("ok\n!\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2");
    Path file = Files.writeString(dir.resolve(".dockerignore"), "a\nfile[0-9\n");
    assertThatThrownBy(() -> DockerIgnore.read(file))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining(".dockerignore: line 2: pattern file[0-9 has a [ with no closing ]");
    assertThat(DockerIgnore.read(dir.resolve("missing")).isEmpty()).isTrue();
  }

  @Test
  void theContextTarLeavesOutExcludedFilesAndKeepsParentsOfExceptions() throws Exception {
    Path ctx = Files.createDirectories(dir.resolve("ctx"));
    Files.createDirectories(ctx.resolve("secrets/keep"));
    Files.writeString(ctx.resolve("secrets/password"), "hunter2");
    Files.writeString(ctx.resolve("secrets/keep/public.pem"), "pub");
    Files.createDirectories(ctx.resolve("node_modules/x"));
    Files.writeString(ctx.resolve("node_modules/x/index.js"), "x");
    Files.writeString(ctx.resolve("app.js"), "app");
    Files.writeString(ctx.resolve(".env"), "TOKEN=1");
    DockerIgnore ig = DockerIgnore.parse("secrets\n!secrets/keep/public.pem\nnode_modules\n.env\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TreeTar.write(ctx, out, ig);
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        names.add(e.getName());
      }
    }
    assertThat(names)
        .containsExactly(
            "./", "./app.js", "./secrets/", "./secrets/keep/", "./secrets/keep/public.pem");
  }
}
