package io.strata.client.cli;

import picocli.CommandLine.Command;

/**
 * {@code strata container ...}: docker's management command for containers. {@code ls} (also {@code
 * ps}, {@code list}) is added by {@link StrataCli}, since the same command is {@code strata ps}.
 */
@Command(
    name = "container",
    mixinStandardHelpOptions = true,
    description =
        "Containers: create, list, inspect, diff, commit, export, remove and prune, as docker's.")
final class ContainerCommand extends CommandGroup {}
