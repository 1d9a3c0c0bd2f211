package io.strata.store.image.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildVariablesTest {
  private static final Map<String, String> VARS = Map.of("APP", "demo", "EMPTY", "", "V1", "1.0");

  private static String expand(String keyword, String args) {
    return BuildVariables.expand(new Instruction(keyword, args, null, 3), VARS).args();
  }

  @Test
  void plainBracedDefaultAndAlternative() {
    assertThat(expand("COPY", "$APP.txt /opt/${APP}-${V1}/")).isEqualTo("demo.txt /opt/demo-1.0/");
    assertThat(expand("WORKDIR", "/srv/${MISSING:-fallback}/${EMPTY:-e}"))
        .isEqualTo("/srv/fallback/e");
    assertThat(expand("LABEL", "set=${APP:+yes} unset=${MISSING:+yes}"))
        .isEqualTo("set=yes unset=");
    assertThat(expand("USER", "$MISSING")).isEmpty();
  }

  @Test
  void escapesSingleQuotesAndLoneDollarsStayLiteral() {
    assertThat(expand("ENV", "A=\\$APP B='$APP' C=\"it's $APP\" D=$ E=$1"))
        .isEqualTo("A=$APP B='$APP' C=\"it's demo\" D=$ E=$1");
  }

  @Test
  void jsonFormIsExpandedWordByWordAndCmdNotAtAll() {
    Instruction copy =
        BuildVariables.expand(
            new Instruction("COPY", "[\"$APP\", \"/x\"]", List.of("$APP", "/x"), 1), VARS);
    assertThat(copy.json()).containsExactly("demo", "/x");
    Instruction cmd = new Instruction("CMD", "echo $APP", null, 1);
    assertThat(BuildVariables.expand(cmd, VARS)).isSameAs(cmd);
  }

  @Test
  void badSubstitutionsNameTheLine() {
    assertThatThrownBy(() -> expand("COPY", "${APP /x"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("line 3");
    assertThatThrownBy(() -> expand("COPY", "${APP:?err} /x"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("${APP:?err}");
  }
}
