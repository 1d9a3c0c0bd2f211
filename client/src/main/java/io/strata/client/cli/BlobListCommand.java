package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.BlobItem;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code strata blob ls}. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = {
      "Lists every object: digest and size.",
      "Filters: digest=PREFIX. Fields for --format: .Digest .Size."
    })
final class BlobListCommand extends ClientCommand {
  @Mixin ListingOptions listing;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    ListingOptions.Shape<BlobItem> shape =
        new ListingOptions.Shape<BlobItem>()
            .column("Digest", "DIGEST")
            .column("Size", "SIZE")
            .filter("digest", (b, v) -> b.digest().startsWith(v));
    shape.idField = "Digest";
    shape.row =
        b -> new LinkedHashMap<>(Map.of("Digest", b.digest(), "Size", ByteSize.human(b.size())));
    listing.print(cli, listing.filter(client.list(), shape), shape);
    return ExitStatus.OK;
  }
}
