package io.strata.server.op;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.protocol.Opcode;
import io.strata.protocol.message.BuildArgs;
import io.strata.protocol.message.ContainerRemoveArgs;
import io.strata.protocol.message.CreateArgs;
import io.strata.protocol.message.FsChangeArgs;
import io.strata.protocol.message.GetArgs;
import io.strata.protocol.message.PutArgs;
import io.strata.protocol.message.ReadArgs;
import io.strata.protocol.message.VolumePruneArgs;
import io.strata.protocol.message.WriteArgs;
import io.strata.store.error.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Request arguments: absent optional ones take their documented defaults, wrong ones are named. */
@Timeout(30)
class ArgumentsTest {
  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T read(String s, Class<T> type, Opcode op) {
    return Arguments.read(json(s), type, op);
  }

  @Test
  void absentOptionalArgumentsTakeTheirDefaults() {
    String d = "\"sha256:" + "ab".repeat(32) + "\"";
    assertThat(read("{\"digest\":" + d + "}", GetArgs.class, Opcode.BLOB_GET))
        .isEqualTo(new GetArgs("sha256:" + "ab".repeat(32), 0, null));
    assertThat(read("{\"digest\":" + d + ",\"offset\":null}", GetArgs.class, Opcode.BLOB_GET))
        .isEqualTo(new GetArgs("sha256:" + "ab".repeat(32), 0, null));
    assertThat(read("{}", PutArgs.class, Opcode.BLOB_PUT).size()).isNull();
    assertThat(read("", PutArgs.class, Opcode.BLOB_PUT).size()).isNull();
    ReadArgs r = read("{\"container\":\"c\",\"path\":\"/f\"}", ReadArgs.class, Opcode.FS_READ);
    assertThat(r.offset()).isZero();
    assertThat(r.length()).isNull();
    WriteArgs w = read("{\"container\":\"c\",\"path\":\"/f\"}", WriteArgs.class, Opcode.FS_WRITE);
    assertThat(w.offset()).isNull();
    assertThat(w.size()).isNull();
    FsChangeArgs c = read("{\"op\":\"mkdir\"}", FsChangeArgs.class, Opcode.FS_CHANGE);
    assertThat(c.mode()).isNull();
    assertThat(c.recursive()).isFalse();
    assertThat(c.parents()).isFalse();
    assertThat(c.symbolic()).isFalse();
    assertThat(read("{}", ContainerRemoveArgs.class, Opcode.CONTAINER_REMOVE).force()).isFalse();
    assertThat(read("{}", VolumePruneArgs.class, Opcode.VOLUME_PRUNE).all()).isFalse();
    CreateArgs create = read("{\"image\":\"i\"}", CreateArgs.class, Opcode.CONTAINER_CREATE);
    assertThat(create.volumes()).isEmpty();
    assertThat(create.mounts()).isEmpty();
    assertThat(read("{\"dockerfile\":\"FROM x\"}", BuildArgs.class, Opcode.IMAGE_BUILD).tags())
        .isEmpty();
  }

  @Test
  void presentArgumentsAreRead() {
    GetArgs g =
        read(
            "{\"digest\":\"d\",\"offset\":5,\"length\":9,\"unknown\":[1]}",
            GetArgs.class,
            Opcode.BLOB_GET);
    assertThat(g).isEqualTo(new GetArgs("d", 5, 9L));
    CreateArgs c =
        read(
            "{\"image\":\"i\",\"volumes\":[\"v:/x\"],\"mounts\":[]}",
            CreateArgs.class,
            Opcode.CONTAINER_CREATE);
    assertThat(c.volumes()).isEqualTo(List.of("v:/x"));
    FsChangeArgs f =
        read(
            "{\"op\":\"chmod\",\"mode\":493,\"recursive\":true}",
            FsChangeArgs.class,
            Opcode.FS_CHANGE);
    assertThat(f.mode()).isEqualTo(493);
    assertThat(f.recursive()).isTrue();
  }

  /** A wrong argument is INVALID_ARGUMENT naming the opcode, the argument and the value. */
  private static void refused(String args, Class<?> type, Opcode op, String... mentions) {
    assertThatThrownBy(() -> read(args, type, op))
        .isInstanceOf(InvalidArgumentException.class)
        .satisfies(
            e -> {
              String m = e.getMessage();
              assertThat(m).startsWith(op.label() + ": ").contains(mentions);
              // never a library's text: Jackson quotes types in backticks and names its classes
              assertThat(m)
                  .doesNotContain("`")
                  .doesNotContain("jackson")
                  .doesNotContain("Cannot ")
                  .doesNotContain("at [Source")
                  .doesNotContain("\n");
            });
  }

  @Test
  void wrongTypesAreNamedWithTheirValue() {
    refused(
        "{\"digest\":\"d\",\"offset\":\"abc\"}", GetArgs.class, Opcode.BLOB_GET, "offset", "abc");
    refused("{\"digest\":\"d\",\"offset\":1.5}", GetArgs.class, Opcode.BLOB_GET, "offset", "1.5");
    refused("{\"digest\":\"d\",\"offset\":true}", GetArgs.class, Opcode.BLOB_GET, "offset", "true");
    refused("{\"digest\":\"d\",\"length\":[1]}", GetArgs.class, Opcode.BLOB_GET, "length", "[1]");
    refused(
        "{\"digest\":\"d\",\"offset\":99999999999999999999}",
        GetArgs.class,
        Opcode.BLOB_GET,
        "offset",
        "99999999999999999999");
    refused("{\"digest\":7}", GetArgs.class, Opcode.BLOB_GET, "digest", "7");
    refused("{\"digest\":{\"a\":1}}", GetArgs.class, Opcode.BLOB_GET, "digest", "{\"a\":1}");
    refused("{\"size\":\"ten\"}", PutArgs.class, Opcode.BLOB_PUT, "size", "ten");
    refused("{\"all\":\"yes\"}", VolumePruneArgs.class, Opcode.VOLUME_PRUNE, "all", "yes");
    refused("{\"all\":1}", VolumePruneArgs.class, Opcode.VOLUME_PRUNE, "all", "1");
    refused(
        "{\"op\":\"chmod\",\"mode\":4294967296}",
        FsChangeArgs.class,
        Opcode.FS_CHANGE,
        "mode",
        "4294967296");
    refused(
        "{\"image\":\"i\",\"volumes\":\"v:/x\"}",
        CreateArgs.class,
        Opcode.CONTAINER_CREATE,
        "volumes",
        "v:/x");
    refused(
        "{\"image\":\"i\",\"volumes\":[1,2]}",
        CreateArgs.class,
        Opcode.CONTAINER_CREATE,
        "volumes",
        "[1,2]");
    refused(
        "{\"image\":\"i\",\"volumes\":[null]}",
        CreateArgs.class,
        Opcode.CONTAINER_CREATE,
        "volumes",
        "[null]");
  }

  @Test
  void malformedBodiesAreRefusedInOwnWords() {
    refused("{\"digest\":", GetArgs.class, Opcode.BLOB_GET, "JSON");
    refused("not json", GetArgs.class, Opcode.BLOB_GET, "JSON");
    refused("[1,2,3]", GetArgs.class, Opcode.BLOB_GET, "object");
    refused("\"text\"", PutArgs.class, Opcode.BLOB_PUT, "object");
    refused("{} {}", PutArgs.class, Opcode.BLOB_PUT, "JSON");
    refused("[]", Object.class, Opcode.INFO, "object");
  }

  @Test
  void longValuesAreCutShortInMessages() {
    String huge = "x".repeat(10_000);
    assertThatThrownBy(() -> read("{\"size\":\"" + huge + "\"}", PutArgs.class, Opcode.BLOB_PUT))
        .isInstanceOf(InvalidArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).contains("size"));
  }
}
