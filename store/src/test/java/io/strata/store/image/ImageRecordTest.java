package io.strata.store.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.store.image.archive.ArrivedAs;
import io.strata.store.image.layer.JsonCodec;
import io.strata.store.image.layer.LayerBlob;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The manifests an image record keeps: one per name that arrived with one, read from old forms. */
@Timeout(10)
class ImageRecordTest {
  private static final byte[] CONFIG = "{\"rootfs\":{}}".getBytes(StandardCharsets.UTF_8);

  private static ArrivedAs manifest(String text) {
    return new ArrivedAs(
        text.getBytes(StandardCharsets.UTF_8),
        "application/vnd.oci.image.manifest.v1+json",
        List.of(new LayerBlob("sha256:" + "a".repeat(64), "t", 1, LayerBlob.TAR, null)));
  }

  @Test
  void aRecordOfTheOneManifestFormReadsAsOneArrivalAndIsWrittenWithoutIt() {
    String m = Base64.getEncoder().encodeToString("{\"m\":1}".getBytes(StandardCharsets.UTF_8));
    String old =
        "{\"id\":\"sha256:"
            + "1".repeat(64)
            + "\",\"config\":\"e30=\",\"layers\":[],\"manifest\":\""
            + m
            + "\",\"manifestType\":\"x\",\"blobs\":[]}";
    ImageRecord r = JsonCodec.read(old.getBytes(StandardCharsets.UTF_8), ImageRecord.class, "r");
    assertThat(r.arrivals()).hasSize(1);
    assertThat(r.latest().manifest()).isEqualTo(m);
    assertThat(r.arrivalFor("any/tag:1").manifestType()).isEqualTo("x");
    var written =
        JsonCodec.read(JsonCodec.bytes(r), com.fasterxml.jackson.databind.JsonNode.class, "r");
    assertThat(written.has("manifest")).isFalse();
    assertThat(written.path("arrivals").size()).isEqualTo(1);
    assertThat(JsonCodec.read(JsonCodec.bytes(r), ImageRecord.class, "r")).isEqualTo(r);
  }

  @Test
  void eachTagKeepsItsManifestAndOnlyNamedOnesStay() {
    ImageRecord r = ImageRecord.of(CONFIG, List.of());
    r = r.arriving(manifest("A"), List.of("a:1"), null, List.of("a:1"));
    r = r.arriving(manifest("B"), List.of("b:1"), null, List.of("a:1", "b:1"));
    assertThat(r.arrivals()).hasSize(2);
    assertThat(r.arrivalFor("a:1").manifestBytes()).isEqualTo("A".getBytes(StandardCharsets.UTF_8));
    assertThat(r.arrivalFor("b:1").manifestBytes()).isEqualTo("B".getBytes(StandardCharsets.UTF_8));
    // a tag no arrival names exports the latest
    assertThat(r.arrivalFor("c:1")).isEqualTo(r.latest());
    assertThat(r.repoDigests(List.of("a:1", "b:1")))
        .containsExactly("a@" + r.arrivalFor("a:1").digest(), "b@" + r.arrivalFor("b:1").digest());

    // a:1 arrives with B: A is named by nothing and is not the latest, so it goes
    r = r.arriving(manifest("B"), List.of("a:1"), null, List.of("a:1", "b:1"));
    assertThat(r.arrivals()).hasSize(1);
    assertThat(r.latest().tags()).containsExactly("b:1", "a:1");

    // re-importing A again and again, always under a new tag that then moves away, stays bounded
    for (int i = 0; i < 20; i++) {
      r = r.arriving(manifest("A" + i), List.of("t:" + i), null, List.of("a:1", "b:1"));
    }
    assertThat(r.arrivals()).hasSize(2);
  }

  @Test
  void aPulledByReferenceKeepsItsArrivalAndNamesTheRepository() {
    ImageRecord r = ImageRecord.of(CONFIG, List.of());
    String index = "sha256:" + "9".repeat(64);
    r = r.arriving(manifest("A"), List.of("reg/x:1"), "reg/x@" + index, List.of("reg/x:1"));
    r = r.arriving(manifest("B"), List.of(), "reg/y@sha256:" + "8".repeat(64), List.of("reg/x:1"));
    r = r.arriving(manifest("C"), List.of("z:1"), null, List.of("reg/x:1", "z:1"));
    assertThat(r.arrivals()).hasSize(3);
    assertThat(r.repoDigests(List.of("reg/x:1", "z:1")))
        .containsExactly(
            "reg/x@" + index,
            "z@" + r.arrivalFor("z:1").digest(),
            "reg/y@sha256:" + "8".repeat(64));
    assertThat(r.arrivalByDigest("reg/x@" + index, index).manifestBytes())
        .isEqualTo("A".getBytes(StandardCharsets.UTF_8));
  }
}
