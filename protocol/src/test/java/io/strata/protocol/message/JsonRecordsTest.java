package io.strata.protocol.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.strata.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The streaming reader of the CLI's quick path: it reads the plain replies itself, and every body,
 * plain or not, reads as {@link Json#read} reads it, to the words of its errors.
 */
@Timeout(10)
class JsonRecordsTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void plainRepliesAreReadWithoutDatabindUnknownKeysSkippedAbsentKeysDefaults() {
    assertThat(
            JsonRecords.plain(
                utf8(
                    "{\"id\":\"c1\",\"name\":\"n\",\"later\":{\"x\":[1,{\"y\":null}]},"
                        + "\"size\":5,\"virtualSize\":7,\"exclusiveSize\":0,\"more\":[true]}"),
                ContainerItem.class))
        .contains(new ContainerItem("c1", "n", null, null, null, 5, 7, 0));
    assertThat(JsonRecords.plain(utf8("{\"count\":3}"), ListEnd.class)).contains(new ListEnd(3));
    assertThat(JsonRecords.plain(new byte[0], ErrorBody.class))
        .as("an empty body is {}")
        .contains(new ErrorBody(null));
    assertThat(JsonRecords.plain(utf8("{\"message\":null}"), ErrorBody.class))
        .contains(new ErrorBody(null));
    InfoReply info =
        JsonRecords.plain(
                utf8(
                    "{\"version\":\"1\",\"dedupRatio\":1.5,\"compressionRatio\":2,"
                        + "\"chunks\":0,\"logicalBytes\":0,\"storedBytes\":0,\"indexBytes\":0,"
                        + "\"indexRamBytes\":0,\"uniqueBytes\":0,\"compressedBytes\":0,"
                        + "\"registryStagedBytes\":0,"
                        + "\"gzipRecipes\":[{\"family\":\"go\",\"seen\":2,\"reproduced\":1}],"
                        + "\"shared\":{\"location\":\"s3://b\",\"node\":\"n1\",\"bucketPacks\":0,"
                        + "\"bucketBytes\":0,\"pendingUploads\":0,\"cacheBytes\":0,"
                        + "\"cacheBudget\":0,\"cacheHits\":9,\"cacheMisses\":0,"
                        + "\"fetchedBytes\":0,\"uploadedBytes\":0}}"),
                InfoReply.class)
            .orElseThrow();
    assertThat(info.version()).isEqualTo("1");
    assertThat(info.compressionRatio()).isEqualTo(2.0);
    assertThat(info.gzipRecipes()).containsExactly(new GzipRecipeCount("go", 2, 1));
    assertThat(info.shared().cacheHits()).isEqualTo(9);
    assertThat(info.shared().location()).isEqualTo("s3://b");
  }

  @Test
  void whatIsNotPlainIsLeftToJsonRead() {
    for (String body :
        List.of(
            "{\"id\":\"c\",\"size\":1,\"virtualSize\":2}",
            "{\"size\":null}",
            "{\"size\":\"12\"}",
            "{\"size\":1.5}",
            "{\"id\":12}",
            "{\"id\":{}}",
            "{\"size\":99999999999999999999}",
            "[]",
            "12",
            "{\"id\":\"a\"",
            "{\"id\":\"a\"} {}")) {
      assertThat(JsonRecords.plain(utf8(body), ContainerItem.class)).as(body).isEmpty();
    }
  }

  @Test
  void everyBodyReadsAsJsonReadReadsItErrorsWordForWord() throws Exception {
    List<String> bodies =
        List.of(
            "",
            "{}",
            "{\"id\":\"c\",\"size\":1,\"unknown\":[1,2,{\"a\":null}]}",
            "{\"id\":\"c\",\"size\":1,\"virtualSize\":2,\"exclusiveSize\":3,\"x\":{}}",
            "{\"repository\":\"r\",\"size\":1,\"sharedSize\":2,\"uniqueSize\":3}",
            "{\"count\":4,\"id\":null}",
            "{\"size\":null}",
            "{\"size\":\"12\"}",
            "{\"size\":\"twelve\"}",
            "{\"size\":1.5}",
            "{\"size\":true}",
            "{\"size\":[]}",
            "{\"id\":12}",
            "{\"id\":true}",
            "{\"id\":{}}",
            "{\"id\":[\"a\"]}",
            "{\"size\":99999999999999999999}",
            "{\"id\":\"a\",\"id\":\"b\"}",
            "[]",
            "12",
            "null",
            "{\"id\":\"a\"",
            "{\"id\":\"a\"} {}",
            "{id:1}",
            "not json");
    for (Class<?> type : List.of(ContainerItem.class, ImageItem.class, ListEnd.class)) {
      for (String body : bodies) {
        assertSameAsJsonRead(utf8(body), type);
      }
    }
    for (String body :
        List.of(
            "{\"dedupRatio\":null}",
            "{\"dedupRatio\":\"x\"}",
            "{\"gzipRecipes\":null}",
            "{\"gzipRecipes\":[null]}",
            "{\"gzipRecipes\":[{\"seen\":null}]}",
            "{\"gzipRecipes\":{}}",
            "{\"shared\":{\"bucketPacks\":null}}",
            "{\"shared\":[]}")) {
      assertSameAsJsonRead(utf8(body), InfoReply.class);
    }
  }

  private static void assertSameAsJsonRead(byte[] body, Class<?> type) throws Exception {
    String as = type.getSimpleName() + " " + new String(body, StandardCharsets.UTF_8);
    Throwable expected = catchThrowable(() -> Json.read(body, type, "x reply"));
    Throwable actual = catchThrowable(() -> JsonRecords.read(body, type, "x reply"));
    if (expected == null) {
      assertThat(actual).as(as).isNull();
      assertThat(JsonRecords.read(body, type, "x reply"))
          .as(as)
          .isEqualTo(Json.read(body, type, "x reply"));
    } else {
      assertThat(actual).as(as).isInstanceOf(ProtocolException.class);
      assertThat(actual.getMessage()).as(as).isEqualTo(expected.getMessage());
    }
  }
}
