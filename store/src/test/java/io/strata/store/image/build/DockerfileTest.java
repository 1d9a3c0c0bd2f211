package io.strata.store.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Dockerfile parser: stages, global ARGs, directives, and the refusals naming their line. */
@Timeout(10)
class DockerfileTest {
  private static void refused(String text, String... message) {
    assertThatThrownBy(() -> Dockerfile.parse(text))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContainingAll(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void globalArgsStagesNamesAndDependencies() {
    Dockerfile f =
        Dockerfile.parse(
            String.join(
                "\n",
                "# syntax=docker/dockerfile:1",
                "# escape=\\",
                "ARG BASE=base:1",
                "ARG V",
                "FROM ${BASE} AS Build",
                "COPY src /src",
                "from scratch as tools",
                "COPY t /t",
                "FROM --platform=$BUILDPLATFORM scratch",
                "COPY --from=build /src /app",
                "COPY --from=0 /src /again",
                "FROM final-base",
                "COPY --from=tools /t /t"));
    assertThat(f.globalArgs())
        .extracting(Instruction::text)
        .containsExactly("ARG BASE=base:1", "ARG V");
    assertThat(f.stages())
        .extracting(BuildStage::name)
        .containsExactly("build", "tools", null, null);
    assertThat(f.stages())
        .extracting(BuildStage::base)
        .containsExactly("${BASE}", "scratch", "scratch", "final-base");
    assertThat(f.stages().get(2).platform()).isEqualTo("$BUILDPLATFORM");
    assertThat(f.stage("BUILD")).isSameAs(f.stages().get(0));
    assertThat(f.stage("1")).isSameAs(f.stages().get(1));
    assertThat(f.stages().get(2).dependencies(f)).containsExactly(f.stages().get(0));
    assertThat(f.stages().get(3).dependencies(f)).containsExactly(f.stages().get(1));
    assertThat(f.stages().get(0).steps().get(0).line()).isEqualTo(6);
  }

  @Test
  void configInstructionsAreParsed() {
    Dockerfile f =
        Dockerfile.parse(
            "FROM scratch\nEXPOSE 80\nVOLUME /data\nSTOPSIGNAL SIGINT\n"
                + "HEALTHCHECK --interval=5s CMD true\nSHELL [\"/bin/bash\", \"-c\"]\n"
                + "ONBUILD COPY . /app\nMAINTAINER me\nuser 1000\n");
    assertThat(f.stages().get(0).steps())
        .extracting(Instruction::keyword)
        .containsExactly(
            "EXPOSE",
            "VOLUME",
            "STOPSIGNAL",
            "HEALTHCHECK",
            "SHELL",
            "ONBUILD",
            "MAINTAINER",
            "USER");
  }

  @Test
  void refusalsNameTheLine() {
    refused("FROM scratch\n\nRUN echo hi\n", "RUN is not supported", "line 3");
    refused("FROM scratch\nCOPY <<EOF /etc/motd\nhello\nEOF\n", "line 2", "heredocs");
    refused("FROM scratch\nADD <<-\"END\" /x\nEND\n", "line 2", "heredocs");
    refused("FROM scratch\nFROBNICATE x\n", "line 2", "FROBNICATE is not supported");
    refused("ENV A=1\nFROM scratch\n", "line 1", "first instruction must be FROM");
    refused("# comment only\n", "no instructions");
    refused("FROM a AS x\nFROM b AS x\n", "line 2", "duplicate stage name x");
    refused("FROM a AS 1x\n", "stage name 1x");
    refused("FROM a AS\n", "expected FROM IMAGE [AS NAME]");
    refused("FROM scratch\nONBUILD ONBUILD COPY a b\n", "ONBUILD ONBUILD is not allowed");
    refused("# escape=`\nFROM scratch\n", "escape directive");
    refused("FROM scratch\nEXPOSE\n", "EXPOSE needs arguments");
  }

  @Test
  void continuationsSkipCommentsInside() {
    Dockerfile f = Dockerfile.parse("FROM scratch\nLABEL a=1 \\\n# inside\n    b=2\nCMD x\n");
    assertThat(f.stages().get(0).steps().get(0).args()).isEqualTo("a=1 b=2");
    assertThat(f.stages().get(0).steps().get(1).line()).isEqualTo(5);
  }
}
