package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.message.ContainerItem;
import io.strata.protocol.message.DiskUsageReply;
import io.strata.protocol.message.ImageItem;
import io.strata.protocol.message.VolumeItem;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code strata system ...}: the store as a whole. */
@Command(name = "system", mixinStandardHelpOptions = true, description = "The store as a whole.")
final class SystemCommand extends CommandGroup {
  /** {@code strata system df [-v]}. */
  @Command(
      name = "df",
      mixinStandardHelpOptions = true,
      description = {
        "What images, containers and volumes take: TYPE TOTAL ACTIVE SIZE RECLAIMABLE; -v adds"
            + " one row per image, container and volume, and what the registry, containerd"
            + " and plain blobs (strata blob put's, in no registry repository) hold (RECORDS"
            + " SIZE EXCLUSIVE: the bytes only they hold, which their own deletes and gc free,"
            + " no prune).",
        "RECLAIMABLE is what removing the unused ones and a gc would free: chunks a commit, a"
            + " pushed image, a volume or containerd still references stay. No container runs,"
            + " so none is active; a volume is active while a container mounts it.",
        "Fields for --format: .Type .TotalCount .Active .Size .Reclaimable."
      })
  static final class DiskUsageCommand extends ClientCommand {
    @Option(
        names = {"-v", "--verbose"},
        description = "Also list every image, container and volume.")
    boolean verbose;

    @Option(
        names = "--format",
        paramLabel = "FORMAT",
        description =
            "A template per row ('{{.Type}}\\t{{.Size}}'; 'table ...' adds a header), or json:"
                + " one JSON object per row. Not with -v.")
    String format;

    @Override
    void checkArguments() {
      if (format != null && verbose) {
        throw new ParameterException(
            spec.commandLine(), "--format applies to the summary rows; leave out -v");
      }
    }

    @Override
    int run(StrataClient client, StrataCli cli) throws Exception {
      DiskUsageReply r = client.diskUsage();
      if (format != null) {
        ListingOptions.Shape<Object> shape =
            new ListingOptions.Shape<>()
                .column("Type", "TYPE")
                .column("TotalCount", "TOTAL")
                .column("Active", "ACTIVE")
                .column("Size", "SIZE")
                .column("Reclaimable", "RECLAIMABLE");
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        rows.add(row("Images", r.images()));
        rows.add(row("Containers", r.containers()));
        rows.add(row("Local Volumes", r.volumes()));
        if (r.buildCache() != null) { // a server before 2026-12-07 does not count it (AI4)
          rows.add(row("Build Cache", r.buildCache()));
        }
        ListingOptions.printFormatted(cli.terminal().out(), format, rows, shape);
        return ExitStatus.OK;
      }
      List<ImageItem> images = verbose ? client.images() : List.of();
      List<ContainerItem> containers = verbose ? client.containers() : List.of();
      List<VolumeItem> volumes = verbose ? client.volumes() : List.of();
      if (cli.json()) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("images", r.images());
        out.put("containers", r.containers());
        out.put("volumes", r.volumes());
        if (r.buildCache() != null) {
          out.put("buildCache", r.buildCache());
        }
        if (verbose) {
          out.put("registry", r.registry());
          out.put("containerd", r.containerd());
          if (r.blobs() != null) {
            out.put("blobs", r.blobs());
          }
          out.put("imageList", images);
          out.put("containerList", containers);
          out.put("volumeList", volumes);
        }
        cli.printJson(out);
        return ExitStatus.OK;
      }
      PrintStream out = cli.terminal().out();
      Table t = new Table("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
      row(t, "Images", r.images());
      row(t, "Containers", r.containers());
      row(t, "Local Volumes", r.volumes());
      if (r.buildCache() != null) {
        row(t, "Build Cache", r.buildCache());
      }
      t.print(out);
      if (verbose) {
        out.println();
        out.println("Images space usage:");
        out.println();
        ImageListCommand.print(out, images);
        out.println();
        out.println("Containers space usage:");
        out.println();
        ContainerListCommand.print(out, containers);
        out.println();
        out.println("Local Volumes space usage:");
        out.println();
        VolumeCommands.ListVolumes.print(out, volumes);
        held(out, "Registry", r.registry());
        held(out, "Containerd", r.containerd());
        if (r.blobs() != null) { // a server before 2026-12-08 counted them under Registry
          held(out, "Blobs", r.blobs());
        }
      }
      return ExitStatus.OK;
    }

    /** One row as docker's {@code system df --format} fields name it. */
    private static Map<String, Object> row(String type, DiskUsageReply.Row r) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Type", type);
      m.put("TotalCount", r.total());
      m.put("Active", r.active());
      m.put("Size", ByteSize.human(r.size()));
      m.put("Reclaimable", ByteSize.human(r.reclaimable()));
      return m;
    }

    /**
     * A section for what a service holds besides images, containers and volumes: not a summary row,
     * as docker's summary has none for such things and scripts parse its rows.
     */
    private static void held(PrintStream out, String name, DiskUsageReply.Held h) {
      if (h == null) { // a server from before the section (AI3)
        return;
      }
      out.println();
      out.println(name + " space usage:");
      out.println();
      Table t = new Table("RECORDS", "SIZE", "EXCLUSIVE");
      t.row(Long.toString(h.records()), ByteSize.human(h.size()), ByteSize.human(h.exclusive()));
      t.print(out);
    }

    private static void row(Table t, String type, DiskUsageReply.Row r) {
      t.row(
          type,
          Long.toString(r.total()),
          Long.toString(r.active()),
          ByteSize.human(r.size()),
          ByteSize.human(r.reclaimable()));
    }
  }
}
