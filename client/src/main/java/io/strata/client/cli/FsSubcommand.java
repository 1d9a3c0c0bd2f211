package io.strata.client.cli;

import picocli.CommandLine.ParentCommand;

/** An operation of {@code strata fs CONTAINER}: knows its container from the parent command. */
abstract class FsSubcommand extends ClientCommand {
  @ParentCommand FsCommand fs;

  /** The container the operation acts in. */
  String container() {
    return fs.container;
  }
}
