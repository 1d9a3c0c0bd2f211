package io.strata.store.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.store.error.InvalidArgumentException;
import org.junit.jupiter.api.Test;

/** Docker's {@code -v} and {@code --mount} syntax. */
class MountTest {
  @Test
  void volumeFlagForms() {
    assertThat(Mount.ofVolumeFlag("/data"))
        .isEqualTo(new Mount("volume", "", "/data", false, true));
    assertThat(Mount.ofVolumeFlag("db:/var/lib/db"))
        .isEqualTo(new Mount("volume", "db", "/var/lib/db", false, false));
    assertThat(Mount.ofVolumeFlag("db:/x/:ro"))
        .isEqualTo(new Mount("volume", "db", "/x", true, false));
    assertThat(Mount.ofVolumeFlag("/srv/a:/a:rw,z"))
        .isEqualTo(new Mount("bind", "/srv/a", "/a", false, false));
    assertThat(Mount.ofVolumeFlag("/srv/a:/a:ro").readOnly()).isTrue();
    assertThat(Mount.ofVolumeFlag("db:/x:nocopy,ro"))
        .isEqualTo(new Mount("volume", "db", "/x", true, false, true));
    assertThat(Mount.ofVolumeFlag("/data:nocopy"))
        .isEqualTo(new Mount("volume", "", "/data", false, true, true));
    assertThat(Mount.ofVolumeFlag("/data:ro"))
        .isEqualTo(new Mount("volume", "", "/data", true, true, false));
  }

  @Test
  void mountFlagForms() {
    assertThat(Mount.ofMountFlag("type=bind,source=/srv,target=/t,readonly"))
        .isEqualTo(new Mount("bind", "/srv", "/t", true, false));
    assertThat(Mount.ofMountFlag("type=volume,src=vv,dst=/t,ro=false"))
        .isEqualTo(new Mount("volume", "vv", "/t", false, false));
    assertThat(Mount.ofMountFlag("target=/t"))
        .isEqualTo(new Mount("volume", "", "/t", false, true));
    assertThat(Mount.ofMountFlag("destination=/t,source=vv,volume-nocopy"))
        .isEqualTo(new Mount("volume", "vv", "/t", false, false, true));
    assertThat(Mount.ofMountFlag("dst=/t,volume-nocopy=false").noCopy()).isFalse();
  }

  @Test
  void badSpecsAreRefused() {
    for (String bad :
        new String[] {
          "",
          "a:b:c:d",
          "db:relative",
          "db:/",
          "./dir:/x",
          "db:/x:bogus",
          ":/x",
          "/x:bogus",
          "v!:/x",
          "/a/../b"
        }) {
      assertThatThrownBy(() -> Mount.ofVolumeFlag(bad))
          .as(bad)
          .isInstanceOf(InvalidArgumentException.class);
    }
    for (String bad :
        new String[] {
          "type=tmpfs,target=/t",
          "source=v",
          "type=bind,source=rel,target=/t",
          "type=volume,target=/t,color=red",
          "target=/t,readonly=maybe",
          "target="
        }) {
      assertThatThrownBy(() -> Mount.ofMountFlag(bad))
          .as(bad)
          .isInstanceOf(InvalidArgumentException.class);
    }
  }
}
