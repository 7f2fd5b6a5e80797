package io.gridlet.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gridlet} command: one subcommand per task. */
@Command(name = "gridlet",
        mixinStandardHelpOptions = true,
        version = "gridlet 0.1.0",
        description = "Smart-grid stream analytics: the DEBS 2014 queries (load prediction, outliers) over files "
                + "or live from meters over gRPC, on sealed data if asked, with the QoS policies sessions negotiate.",
        subcommands = {RunCommand.class, ServeCommand.class, MeterCommand.class, ResultsCommand.class, ScaleCommand.class,
                GenerateCommand.class,
                PolicyCommand.class, KeysCommand.class, UnsealCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:failed while running", "2:bad usage or unreadable input"})
public final class GridletCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'gridlet run'");
    }

    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new GridletCommand());
        // a failure while running is one line and exit code 1, not a stack trace (GRIDLET_DEBUG=1 shows it)
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandName() + ": failed: " + e);
            if (System.getenv("GRIDLET_DEBUG") != null) e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli.execute(args);
    }

    public static void main(String... args) {
        System.exit(execute(args));
    }
}
