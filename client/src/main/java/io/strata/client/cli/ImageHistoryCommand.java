package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.HistoryItem;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code strata image history IMAGE}. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = {
      "One row per layer, top first: layer id (diff_id), size, the instruction.",
      "Fields for --format: .ID .Size .CreatedBy."
    })
final class ImageHistoryCommand extends ClientCommand {
  @Parameters(paramLabel = "IMAGE", description = "NAME[:TAG] or an image id.")
  String image;

  @Mixin ListingOptions listing;

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    ListingOptions.Shape<HistoryItem> shape =
        new ListingOptions.Shape<HistoryItem>()
            .column("ID", "LAYER")
            .column("Size", "SIZE")
            .column("CreatedBy", "CREATED BY");
    shape.row =
        h -> {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("ID", listing.id(h.layerId()));
          r.put("Size", ByteSize.human(h.size()));
          r.put("CreatedBy", h.createdBy());
          return r;
        };
    listing.print(cli, listing.filter(client.history(image), shape), shape);
    return ExitStatus.OK;
  }
}
