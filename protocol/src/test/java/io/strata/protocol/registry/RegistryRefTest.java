package io.strata.protocol.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Docker's rule for what names a registry image (what {@code strata pull}, {@code push} and a
 * build's {@code FROM} pull from a registry), and the parts of such a reference.
 */
@Timeout(10)
class RegistryRefTest {
  @Test
  void theFirstComponentIsARegistryWhenItHasADotOrAPortOrIsLocalhost() {
    assertThat(RegistryRef.isRegistry("localhost:5000/repo:tag")).isTrue();
    assertThat(RegistryRef.isRegistry("localhost/repo")).isTrue();
    assertThat(RegistryRef.isRegistry("registry.example/team/app:1")).isTrue();
    assertThat(RegistryRef.isRegistry("127.0.0.1:5000/app@sha256:" + "a".repeat(64))).isTrue();
    assertThat(RegistryRef.isRegistry("reg:5000/app")).isTrue();
    // no host: what the store names, never docker.io
    assertThat(RegistryRef.isRegistry("debian:bookworm")).isFalse();
    assertThat(RegistryRef.isRegistry("library/debian:bookworm")).isFalse();
    assertThat(RegistryRef.isRegistry("myteam/app")).isFalse();
    assertThat(RegistryRef.isRegistry("scratch")).isFalse();
    assertThat(RegistryRef.isRegistry("/app")).isFalse();
    assertThat(RegistryRef.isRegistry("sha256:" + "a".repeat(64))).isFalse();
  }

  @Test
  void aReferenceSplitsIntoRegistryRepositoryAndTagOrDigest() {
    assertThat(RegistryRef.parse("localhost:5000/team/app:1"))
        .isEqualTo(new RegistryRef("localhost:5000", "team/app", "1"));
    assertThat(RegistryRef.parse("localhost:5000/team/app"))
        .as("the tag defaults to latest")
        .isEqualTo(new RegistryRef("localhost:5000", "team/app", "latest"));
    String digest = "sha256:" + "0123456789abcdef".repeat(4);
    RegistryRef byDigest = RegistryRef.parse("reg.example/app@" + digest);
    assertThat(byDigest).isEqualTo(new RegistryRef("reg.example", "app", digest));
    assertThat(byDigest.toString()).isEqualTo("reg.example/app@" + digest);
    assertThat(RegistryRef.parse("localhost:5000/app").toString())
        .isEqualTo("localhost:5000/app:latest");
  }

  @Test
  void whatIsNoRegistryReferenceIsRefusedSayingWhy() {
    assertThatThrownBy(() -> RegistryRef.parse("debian:bookworm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "debian:bookworm: not REGISTRY/REPO[:TAG] (the registry is a host with a dot or a"
                + " port)");
    assertThatThrownBy(() -> RegistryRef.parse("localhost:5000/Upper:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid REGISTRY/REPO[:TAG]");
    assertThatThrownBy(() -> RegistryRef.parse("localhost:5000/app@sha256:short"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
