package io.strata.client.cli;

import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks a digest argument before it crosses the wire, so a typo is a usage error. */
final class DigestText {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  private DigestText() {}

  /** {@code text} if it is {@code sha256:<64 lowercase hex>}; else a usage error naming it. */
  static String check(CommandSpec spec, String text) {
    if (!SHA256.matcher(text).matches()) {
      throw new ParameterException(
          spec.commandLine(), "digest " + text + ": expected sha256: and 64 lowercase hex digits");
    }
    return text;
  }
}
