package io.strata.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Timeout(30)
class RouteTest {
  private static final String D = "sha256:" + "ab".repeat(32);

  @Test
  void endpointsAndNamesWithSlashes() {
    assertThat(Route.parse("/v2/")).isEqualTo(new Route(Route.Kind.BASE, "", ""));
    assertThat(Route.parse("/v2/a/b/c/manifests/latest"))
        .isEqualTo(new Route(Route.Kind.MANIFEST, "a/b/c", "latest"));
    assertThat(Route.parse("/v2/a/manifests/b/manifests/" + D))
        .isEqualTo(new Route(Route.Kind.MANIFEST, "a/manifests/b", D));
    assertThat(Route.parse("/v2/a/blobs/" + D)).isEqualTo(new Route(Route.Kind.BLOB, "a", D));
    assertThat(Route.parse("/v2/a/blobs/uploads/"))
        .isEqualTo(new Route(Route.Kind.UPLOAD, "a", ""));
    assertThat(Route.parse("/v2/a/blobs/uploads")).isEqualTo(new Route(Route.Kind.UPLOAD, "a", ""));
    String id = "0f0e0d0c-0b0a-4909-8807-060504030201";
    assertThat(Route.parse("/v2/a/blobs/uploads/" + id))
        .isEqualTo(new Route(Route.Kind.UPLOAD, "a", id));
    assertThat(Route.parse("/v2/a/tags/list")).isEqualTo(new Route(Route.Kind.TAGS, "a", ""));
    assertThat(Route.parse("/v2/a/referrers/" + D))
        .isEqualTo(new Route(Route.Kind.REFERRERS, "a", D));
    assertThat(Route.parse("/v2/token").kind()).isEqualTo(Route.Kind.TOKEN);
    assertThat(Route.parse("/v2/a/b/_strata/chunks"))
        .isEqualTo(new Route(Route.Kind.CHUNKS, "a/b", ""));
  }

  @Test
  void traversalEscapesAndBadReferencesAreRefused() {
    for (String bad :
        new String[] {
          "/v2/../etc/manifests/x",
          "/v2/a/../b/manifests/x",
          "/v2/a/%2e%2e/manifests/x",
          "/v2//a/manifests/x",
          "/v2/A/manifests/x",
          "/v2/a/manifests/../x",
          "/v2/a/blobs/sha256:XYZ",
          "/v2/a/blobs/uploads/../../x",
          "/v3/a/manifests/x",
          "/v2/a/unknown/x",
          "/v2/_strata/chunks",
          "/v2/a/_strata/other",
          "/v2/" + "a".repeat(300) + "/manifests/x"
        }) {
      assertThatThrownBy(() -> Route.parse(bad)).as(bad).isInstanceOf(RegistryError.class);
    }
  }
}
