package io.strata.client.cli;

import io.strata.client.StrataClient;
import io.strata.protocol.filter.LabelFilter;
import io.strata.protocol.message.ImageItem;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code strata image ls}, also {@code strata images}. */
@Command(
    name = "ls",
    aliases = "list",
    mixinStandardHelpOptions = true,
    description = {
      "Lists images, one row per tag: REPOSITORY TAG IMAGE ID SIZE SHARED UNIQUE.",
      "SHARED is what the image's chunks take that another image uses too, UNIQUE the rest.",
      "REPOSITORY[:TAG] lists only that repository (and tag), as docker images does: the same"
          + " as --filter reference=REPOSITORY[:TAG].",
      "Filters: reference=PATTERN (a glob of NAME or NAME:TAG), dangling=true|false|1|0"
          + " (untagged), before=IMAGE and since=IMAGE (created before or after that image: a"
          + " name, id or id prefix), label=KEY[=VALUE] (the image's config has that label;"
          + " several must all hold).",
      "Fields for --format: .ID .Repository .Tag .Size .SharedSize .UniqueSize."
    })
final class ImageListCommand extends ClientCommand {
  @Mixin ListingOptions listing;

  @Option(
      names = {"-a", "--all"},
      description = "Accepted for docker's sake: Strata keeps no intermediate images.")
  boolean all;

  @Parameters(
      arity = "0..1",
      paramLabel = "REPOSITORY[:TAG]",
      description = "Only the images of this repository, or this one tag of it.")
  String repository;

  /** The image table of {@code image ls} and {@code system df -v}. */
  static void print(PrintStream out, List<ImageItem> items) {
    Table t = new Table("REPOSITORY", "TAG", "IMAGE ID", "SIZE", "SHARED", "UNIQUE");
    for (ImageItem i : items) {
      t.row(
          i.repository(),
          i.tag(),
          ShortId.of(i.id()),
          ByteSize.human(i.size()),
          ByteSize.human(i.sharedSize()),
          ByteSize.human(i.uniqueSize()));
    }
    t.print(out);
  }

  @Override
  int run(StrataClient client, StrataCli cli) throws Exception {
    return list(client, listing, repository, cli.terminal().out(), cli.json());
  }

  /**
   * Lists the images of {@code client} (of {@code repository} only, unless null) as {@code listing}
   * and {@code json} ask, on {@code out}: the one listing of {@code image ls} and of the quick path
   * ({@link QuickCommand}).
   */
  static int list(
      StrataClient client, ListingOptions listing, String repository, PrintStream out, boolean json)
      throws IOException {
    BooleanFilter.check(listing.filters, "dangling");
    ImageTimeFilter.check(listing.filters);
    ListingOptions.Shape<ImageItem> shape =
        shape(listing, new ImageTimeFilter(client).resolve(listing.filters));
    List<ImageItem> items = client.images();
    ImageTimeFilter.needTimesAndLabels(listing.filters, items);
    if (repository != null) {
      // docker passes the argument on as the reference filter, so it may be a glob too
      items = items.stream().filter(i -> matchesReference(i, repository)).toList();
    }
    listing.print(out, json, listing.filter(items, shape), shape);
    return ExitStatus.OK;
  }

  /** The listing's shape without the filters that ask the server (for the CDS training). */
  static ListingOptions.Shape<ImageItem> shape(ListingOptions listing) {
    return shape(listing, null);
  }

  /**
   * The listing's shape; {@code times} answers {@code before=} and {@code since=} (null: those
   * filters are unknown).
   */
  static ListingOptions.Shape<ImageItem> shape(ListingOptions listing, ImageTimeFilter times) {
    ListingOptions.Shape<ImageItem> s =
        new ListingOptions.Shape<ImageItem>()
            .column("Repository", "REPOSITORY")
            .column("Tag", "TAG")
            .column("ID", "IMAGE ID")
            .column("Size", "SIZE")
            .column("SharedSize", "SHARED")
            .column("UniqueSize", "UNIQUE")
            .filter("reference", ImageListCommand::matchesReference)
            .filter("dangling", (i, v) -> dangling(i) == BooleanFilter.value("dangling", v))
            .filterEvery("label", (i, v) -> LabelFilter.parse("label", v).matches(i.labels()));
    if (times != null) {
      s.filter("before", times::before).filter("since", times::since);
    }
    s.row =
        i -> {
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("Repository", none(i.repository()));
          r.put("Tag", none(i.tag()));
          r.put("ID", listing.id(i.id()));
          r.put("Size", ByteSize.human(i.size()));
          r.put("SharedSize", ByteSize.human(i.sharedSize()));
          r.put("UniqueSize", ByteSize.human(i.uniqueSize()));
          return r;
        };
    return s;
  }

  private static String none(String s) {
    return s == null ? "<none>" : s;
  }

  /** An image without a name: docker's dangling. */
  static boolean dangling(ImageItem i) {
    return i.repository() == null
        || i.repository().equals("<none>")
        || i.tag() == null
        || i.tag().equals("<none>");
  }

  /** docker's reference filter: a glob of the name, or of NAME:TAG when it has a tag part. */
  private static boolean matchesReference(ImageItem i, String pattern) {
    if (dangling(i)) {
      return false;
    }
    String slashFree = pattern.substring(pattern.lastIndexOf('/') + 1);
    String subject = slashFree.contains(":") ? i.repository() + ":" + i.tag() : i.repository();
    return glob(pattern).matcher(subject).matches();
  }

  /** A glob ({@code *}, {@code ?}) as a regular expression; {@code *} does not cross a slash. */
  static Pattern glob(String glob) {
    StringBuilder b = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> b.append("[^/]*");
        case '?' -> b.append("[^/]");
        default -> b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(b.toString());
  }
}
